// DATA_DIR/demo-logins.txt: the demo's sign-ins, written once when the demo is seeded. Student ID
// numbers and admin passwords go here (owner-readable only), never to the log. The student part
// comes first, as browser tests read it: a header, then 学号<TAB>身份证号 per line; the admins follow
// under their own three-column header.
import { rmSync, writeFileSync } from 'node:fs';
import { ROLE_LABELS, ROLES, type Role } from '../domain/roles.js';
import type { DemoData } from './demo.seed.js';

export const DEMO_LOGINS_FILE = 'demo-logins.txt';
/** Demo students listed in the file: the demo's history leaves them untouched (demo-activity.ts). */
export const DEMO_LOGIN_STUDENTS = 10;
const STUDENT_HEADER = '学号\t身份证号';
const ADMIN_HEADER = '角色\t用户名\t密码';

export interface DemoLogins {
  students: { studentNumber: string; idNumber: string }[];
  admins: { role: Role; username: string; password: string }[];
}

export function formatDemoLogins(demo: DemoData, studentCount = DEMO_LOGIN_STUDENTS): string {
  const students = demo.students.slice(0, studentCount).map((s) => `${s.studentNumber}\t${s.idNumber}`);
  const admins = demo.admins.map((a) => `${ROLE_LABELS[a.role]}\t${a.username}\t${a.password}`);
  return `${STUDENT_HEADER}\n${students.join('\n')}\n\n${ADMIN_HEADER}\n${admins.join('\n')}\n`;
}

/** Mode 0600 from the first byte. A file left by an earlier database is stale (its passwords
 *  opened that one): it is removed, not rewritten, since rewriting keeps its old permissions. */
export function writeDemoLogins(file: string, demo: DemoData): void {
  rmSync(file, { force: true });
  writeFileSync(file, formatDemoLogins(demo), { mode: 0o600, flag: 'wx' });
}

export function parseDemoLogins(text: string): DemoLogins {
  const out: DemoLogins = { students: [], admins: [] };
  let section: 'students' | 'admins' | undefined;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === STUDENT_HEADER || trimmed === ADMIN_HEADER) {
      section = trimmed === STUDENT_HEADER ? 'students' : 'admins';
      continue;
    }
    const f = trimmed.split('\t');
    if (section === 'students' && f.length === 2) out.students.push({ studentNumber: f[0]!, idNumber: f[1]! });
    if (section === 'admins' && f.length === 3) {
      const role = ROLES.find((r) => ROLE_LABELS[r] === f[0]);
      if (role) out.admins.push({ role, username: f[1]!, password: f[2]! });
    }
  }
  return out;
}
