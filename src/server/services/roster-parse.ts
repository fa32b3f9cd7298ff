// Reading a roster file (CSV or XLSX) into rows of text, with limits: at most `maxRows` data rows,
// XLSX read streaming with at most `maxXmlBytes` unzipped. It runs in a worker thread
// (roster-parse.worker.ts) started per file and terminated after it, so a large or hostile file
// costs that thread's time and memory, never the event loop's or the server's heap.
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { KaozhaoError } from '../../domain/errors.js';
import { startThread } from '../../runtime/thread.js';

export interface RosterLimits {
  /** Data rows (the header not counted) a file may hold. */
  maxRows: number;
  /** Bytes an XLSX file may unzip to, over all its entries. */
  maxXmlBytes: number;
}

/** Rows that hold any text, each with its row number in the file (1-based; the header is row 1). */
export interface RosterTable {
  rows: string[][];
  lines: number[];
}

/** Columns read per row: a roster has a dozen; a row of 10,000 fields is not a roster. */
const MAX_COLUMNS = 64;

/** The unzipped size allowed for a roster of `maxRows` rows: ≈ 1.25 KB of XML a row (a 50,000-row,
 *  7-column file written by Excel or exceljs unzips to ≈ 19 MB, 385 bytes a row), at least 16 MB. */
export function xmlBytesFor(maxRows: number): number {
  return Math.max(16 * 1024 * 1024, maxRows * 1280);
}

export type ParseFailure = 'roster.too_many_rows' | 'roster.too_large' | 'roster.unsupported_type';

class LimitError extends Error {
  constructor(readonly code: ParseFailure) {
    super(code);
  }
}

/** RFC 4180 CSV rows: quoted fields, doubled quotes, CRLF or LF. */
export function* csvRows(text: string): Generator<{ cells: string[]; line: number }> {
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const push = () => {
    if (row.length < MAX_COLUMNS) row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') push();
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      push();
      yield { cells: row, line: start };
      row = [];
      line++;
      start = line;
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    push();
    yield { cells: row, line: start };
  }
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  return Array.from(csvRows(text), (r) => r.cells);
}

function decodeText(bytes: Uint8Array): string {
  // Excel in China saves CSV as GBK unless told otherwise.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('gbk').decode(bytes);
  }
}

interface ZipEntry extends NodeJS.ReadableStream {
  path: string;
  autodrain(): unknown;
}
// The zip reader exceljs itself uses, so the size counted is the size exceljs will inflate: a
// second reader could disagree about which entries a crafted file holds.
const unzipper = () =>
  createRequire(createRequire(import.meta.url).resolve('exceljs'))('unzipper') as {
    Parse(opts: { forceStream: true }): NodeJS.ReadWriteStream & AsyncIterable<ZipEntry>;
  };

/** The bytes as a Buffer, without a copy. */
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const ROW_TAGS = [Buffer.from('<row '), Buffer.from('<row>')];

function rowTags(buf: Buffer): number {
  let n = 0;
  for (const tag of ROW_TAGS) {
    for (let i = buf.indexOf(tag); i !== -1; i = buf.indexOf(tag, i + tag.length)) n++;
  }
  return n;
}

/**
 * Inflates every entry once, counting, and stops as soon as the total passes `limits.maxXmlBytes`.
 * The first worksheet's <row> tags are counted on the way, only to name the refusal: a file of
 * 200,000 plain rows is "too many rows", a zip bomb of a few rows "too large".
 */
async function assertUnzippedSize(bytes: Uint8Array, limits: RosterLimits): Promise<void> {
  const zip = unzipper().Parse({ forceStream: true });
  const source = Readable.from([asBuffer(bytes)]);
  source.pipe(zip);
  let total = 0;
  let sheetRows = -1;
  for await (const entry of zip) {
    const firstSheet = sheetRows < 0 && /xl\/worksheets\/sheet\d+[.]xml/.test(entry.path);
    if (firstSheet) sheetRows = 0;
    // The last bytes of the previous chunk, for a tag cut in two (shorter than a tag: none counted twice).
    let carry = Buffer.alloc(0);
    for await (const chunk of entry) {
      total += (chunk as Buffer).length;
      if (firstSheet) {
        const joined = Buffer.concat([carry, chunk as Buffer]);
        sheetRows += rowTags(joined);
        carry = joined.subarray(Math.max(0, joined.length - 4));
      }
      if (total > limits.maxXmlBytes) {
        source.unpipe(zip);
        throw new LimitError(sheetRows > limits.maxRows + 1 ? 'roster.too_many_rows' : 'roster.too_large');
      }
    }
  }
}

/** The rows of a table, stopping past `maxRows` data rows (non-empty rows after the header). */
class Collector {
  readonly table: RosterTable = { rows: [], lines: [] };
  constructor(private readonly maxRows: number) {}
  add(cells: string[], line: number): void {
    if (!cells.some((c) => c.trim() !== '')) return;
    // The header plus maxRows data rows.
    if (this.table.rows.length > this.maxRows) throw new LimitError('roster.too_many_rows');
    this.table.rows.push(cells);
    this.table.lines.push(line);
  }
}

async function readXlsx(bytes: Uint8Array, limits: RosterLimits): Promise<RosterTable> {
  await assertUnzippedSize(bytes, limits);
  const out = new Collector(limits.maxRows);
  // Loaded here, not at the top: a CSV file's thread starts without it (≈ 1 s less under tsx).
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([asBuffer(bytes)]), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  for await (const sheet of reader) {
    for await (const row of sheet) {
      const cells: string[] = [];
      row.eachCell({ includeEmpty: true }, (c, col) => {
        if (col <= MAX_COLUMNS) cells[col - 1] = c.text ?? '';
      });
      out.add(
        Array.from(cells, (c) => c ?? ''),
        row.number,
      );
    }
    // The first sheet is the roster; the thread is ended with the rest unread.
    break;
  }
  return out.table;
}

/** Reads a roster file in the calling thread (the worker's body). */
export async function readRosterTable(bytes: Uint8Array, filename: string, limits: RosterLimits): Promise<RosterTable> {
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b;
  if (isZip || /\.xlsx$/i.test(filename)) {
    if (!isZip) throw new LimitError('roster.unsupported_type');
    try {
      return await readXlsx(bytes, limits);
    } catch (e) {
      if (e instanceof LimitError) throw e;
      throw new LimitError('roster.unsupported_type');
    }
  }
  if (/\.(csv|txt)$/i.test(filename) || !bytes.includes(0)) {
    const out = new Collector(limits.maxRows);
    for (const r of csvRows(decodeText(bytes))) out.add(r.cells, r.line);
    return out.table;
  }
  throw new LimitError('roster.unsupported_type');
}

/** What the worker posts back. */
export type ParseReply = { ok: true; table: RosterTable } | { ok: false; code: ParseFailure };

export function failureOf(e: unknown): ParseFailure {
  return e instanceof LimitError ? e.code : 'roster.unsupported_type';
}

export interface RosterParseOptions extends RosterLimits {
  /** Heap of the parsing thread; a file that needs more is refused as too large. */
  maxHeapMb?: number;
  /** A hang guard, not a budget: parsing 50,000 rows takes about a second. */
  timeoutMs?: number;
}

// Each parse holds up to maxHeapMb: two at a time bound what concurrent imports can take.
const MAX_PARALLEL = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function slot(): Promise<() => void> {
  // A released slot passes straight to the next waiter, so a newcomer cannot take it in between.
  if (running >= MAX_PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  return () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
}

/** One parse in one fresh thread; `crashed` when the thread died without answering. */
async function parseOnce(
  bytes: Uint8Array,
  filename: string,
  opts: RosterParseOptions,
): Promise<ParseReply | { ok: false; code: ParseFailure; crashed: true }> {
  // A copy the thread owns (new Uint8Array copies; Buffer#slice would not): the upload's buffer
  // may be a view into a larger one, which transferring would detach.
  const copy = new Uint8Array(bytes);
  const limits: RosterLimits = { maxRows: opts.maxRows, maxXmlBytes: opts.maxXmlBytes };
  const w = startThread(import.meta.url, './roster-parse.worker', {
    workerData: { bytes: copy, filename, limits },
    transferList: [copy.buffer],
    resourceLimits: { maxOldGenerationSizeMb: opts.maxHeapMb ?? 512 },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, code: 'roster.too_large' }), opts.timeoutMs ?? 120_000);
      w.once('message', (m: ParseReply) => resolve(m));
      // The thread reads nothing but the uploaded file: if it dies (an error thrown where no
      // promise catches it, in a stream of a broken zip), the file is what it could not read.
      w.once('error', (e: Error & { code?: string }) =>
        resolve(
          e.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? { ok: false, code: 'roster.too_large' }
            : { ok: false, code: 'roster.unsupported_type', crashed: true },
        ),
      );
      w.once('exit', () => resolve({ ok: false, code: 'roster.unsupported_type', crashed: true }));
    });
  } finally {
    clearTimeout(timer);
    await w.terminate();
  }
}

/**
 * Reads a roster file in a fresh worker thread, terminated when it answers or fails. A thread
 * that dies without answering gets one more try: in one of five CI runs a thread died on an .xlsx
 * that the thread just before it had read (so not the file's doing; the cause is not known); a
 * file that kills the thread twice is refused as unreadable.
 */
export async function parseRosterFile(
  bytes: Uint8Array,
  filename: string,
  opts: RosterParseOptions,
): Promise<RosterTable> {
  const release = await slot();
  try {
    let reply = await parseOnce(bytes, filename, opts);
    if (!reply.ok && 'crashed' in reply) reply = await parseOnce(bytes, filename, opts);
    if (!reply.ok) throw KaozhaoError.of(reply.code);
    return reply.table;
  } finally {
    release();
  }
}
