// Per-thread facts from Linux /proc: a worker thread's kernel id (to lower its priority alone) and
// its CPU time (the pool's job time limit). Elsewhere both are null and callers fall back.
import { readFileSync, readlinkSync } from 'node:fs';

/** The calling thread's kernel id, or null off Linux. */
export function threadId(): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) of one thread of this process, ms; null when it cannot be read. */
export function threadCpuMs(tid: number): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime
    // are fields 14 and 15 of the line, in clock ticks (USER_HZ, 100 on Linux).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    return Number.isFinite(ticks) ? ticks * 10 : null;
  } catch {
    return null;
  }
}
