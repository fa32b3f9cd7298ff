// The thread that reads one roster file (roster-parse.ts starts it per file and ends it after).
import { parentPort, workerData } from 'node:worker_threads';
import { failureOf, type ParseReply, type RosterLimits, readRosterTable } from './roster-parse.js';

const { bytes, filename, limits } = workerData as { bytes: Uint8Array; filename: string; limits: RosterLimits };

readRosterTable(bytes, filename, limits).then(
  (table) => parentPort!.postMessage({ ok: true, table } satisfies ParseReply),
  (e: unknown) => parentPort!.postMessage({ ok: false, code: failureOf(e) } satisfies ParseReply),
);
