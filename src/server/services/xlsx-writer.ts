// A streaming XLSX writer for large plain tables: text cells only, one frozen header row. ExcelJS's
// streaming writer tops out near 30,000 rows/s on this kind of table (an object, a cell model and
// an XML node per cell), which makes an HQ-wide list of 2.3 million students take over a minute in
// the workbook alone. This one writes each row's XML straight into byte buffers (no string per row
// to build, flatten and encode again: that was two thirds of the export's time) and hands ~1 MB
// chunks to zip-writer, which deflates them on the thread pool. Anything richer (styles, formulas)
// belongs to ExcelJS.
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createZipWriter } from './zip-writer.js';

export interface XlsxColumn {
  header: string;
  /** In characters, as Excel counts them. */
  width: number;
  /**
   * Few distinct values (a centre's name, a status): each is written once in the shared-strings
   * part and the cells refer to it by number, which is shorter to write and to deflate.
   */
  shared?: boolean;
}

/** Excel opens at most 1,048,576 rows per sheet, the header included. */
export const XLSX_SHEET_MAX_ROWS = 1_048_576;

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
/** Bytes handed to the zip writer at a time. */
const CHUNK = 1 << 20;
/** Distinct shared strings kept; further new values of a shared column are written inline. */
const MAX_SHARED = 100_000;

// Characters XML 1.0 cannot carry at all are dropped; the markup ones are escaped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: those are the characters to drop
const SPECIAL = /[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: those are the characters to drop
const SPECIAL_ALL = /[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export function xmlText(s: string): string {
  return SPECIAL.test(s) ? s.replace(SPECIAL_ALL, (c) => ENTITY[c] ?? '') : s;
}

/**
 * Writes `s` as UTF-8 into `b` at `p` and returns the end; with `check`, returns -1 instead as soon
 * as `s` holds a character xmlText changes (the caller then writes xmlText(s) unchecked). Encoding
 * here rather than with Buffer#write saves a call into C++ per cell and a second pass to look for
 * those characters; the bytes are those Buffer.from(s) gives, a lone surrogate included (U+FFFD).
 * `b` must have room for 3 bytes per UTF-16 unit of `s`.
 */
function putUtf8(b: Buffer, p: number, s: string, check: boolean): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (check && (c < 0x20 ? c !== 0x09 && c !== 0x0a && c !== 0x0d : c === 0x26 || c === 0x3c || c === 0x3e)) {
        return -1;
      }
      b[p++] = c;
    } else if (c < 0x800) {
      b[p++] = 0xc0 | (c >> 6);
      b[p++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        b[p++] = 0xf0 | (cp >> 18);
        b[p++] = 0x80 | ((cp >> 12) & 0x3f);
        b[p++] = 0x80 | ((cp >> 6) & 0x3f);
        b[p++] = 0x80 | (cp & 0x3f);
        i++;
      } else {
        b[p++] = 0xef;
        b[p++] = 0xbf;
        b[p++] = 0xbd;
      }
    } else {
      if (check && c >= 0xfffe) return -1;
      b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 0x3f);
      b[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p;
}

function copy(b: Uint8Array, p: number, src: Uint8Array): number {
  for (let i = 0; i < src.length; i++) b[p + i] = src[i]!;
  return p + src.length;
}

/** Writes a non-negative integer's digits. */
function putInt(b: Uint8Array, p: number, n: number): number {
  let len = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) len++;
  for (let i = len - 1; i >= 0; i--) {
    b[p + i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return p + len;
}

function columnName(i: number): string {
  let n = i + 1;
  let s = '';
  while (n > 0) {
    const m = (n - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const ROW_OPEN = bytes('<row r="');
const ROW_OPENED = bytes('">');
const ROW_CLOSE = bytes('</row>');
const INLINE = bytes('" t="inlineStr"><is><t>');
const INLINE_END = bytes('</t></is></c>');
const SHARED = bytes('" t="s"><v>');
const SHARED_END = bytes('</v></c>');

export interface XlsxWriter {
  /** Starts a sheet (ending the previous one) with its header row. */
  addSheet(name: string, columns: readonly XlsxColumn[]): Promise<void>;
  /** Appends rows to the current sheet; resolves when the output can take more. */
  addRows(rows: readonly (readonly (string | null | undefined)[])[]): Promise<void>;
  /** Rows written to the current sheet, its header included. */
  readonly sheetRows: number;
  /** Writes the workbook parts and the zip directory, then ends `out`. */
  finish(): Promise<void>;
  /** Stops with an error: `out` is destroyed with it. */
  abort(err: Error): void;
  /**
   * Row by row, for a caller that holds UTF-8 bytes (a COPY stream): beginRow, a cell or cellUtf8
   * per value (empty ones are left out, as in addRows), endRow; flush after a batch of rows.
   */
  beginRow(): void;
  cell(col: number, value: string): void;
  cellUtf8(col: number, bytes: Buffer, start: number, end: number): void;
  endRow(): void;
  /** Hands the rows written so far on; resolves when the output can take more. */
  flush(): Promise<void>;
}

/**
 * Writes an XLSX to `out`, streamed: memory holds one page of rows, the chunks being deflated and
 * the shared strings, however many rows there are. Deflate level 1: a row is ~300 bytes of
 * repetitive XML, and level 1 already shrinks it ~10× at a quarter of the default level's time.
 */
export function createXlsxWriter(out: Writable): XlsxWriter {
  const zip = createZipWriter(out, { level: 1 });
  const sheets: string[] = [];
  let inSheet = false;
  let cellOpen: Buffer[] = [];
  let sharedCol: boolean[] = [];
  let row = 0;
  const shared = new Map<string, number>();
  const sharedList: string[] = [];
  let sharedRefs = 0;
  let failed: Error | undefined;

  // The chunk being filled, and chunks filled since the last hand-over to the zip writer.
  let buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  const ready: Buffer[] = [];

  function abort(err: Error): void {
    if (failed) return;
    failed = err;
    out.destroy(err);
  }

  /** Room for `n` more bytes: a full chunk is set aside (rows may span chunks). */
  function room(n: number): void {
    if (pos + n <= buf.length) return;
    if (pos > 0) ready.push(buf.subarray(0, pos));
    buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
    pos = 0;
  }

  // The current row's number as digits, copied into each cell's reference.
  const ref = new Uint8Array(16);
  let refLength = 0;

  function beginRow(): void {
    row++;
    refLength = putInt(ref, 0, row);
    room(ROW_OPEN.length + refLength + ROW_OPENED.length);
    let p = copy(buf, pos, ROW_OPEN);
    p = copy(buf, p, ref.subarray(0, refLength));
    pos = copy(buf, p, ROW_OPENED);
  }

  function endRow(): void {
    room(ROW_CLOSE.length);
    pos = copy(buf, pos, ROW_CLOSE);
  }

  /** `<c r="B12"` and the type's opening; `need` is room for the value after it. */
  function openCell(col: number, type: Uint8Array, need: number): number {
    const open = cellOpen[col]!;
    room(open.length + refLength + type.length + need + 16);
    let p = copy(buf, pos, open);
    for (let j = 0; j < refLength; j++) buf[p++] = ref[j]!;
    return copy(buf, p, type);
  }

  function cell(col: number, v: string): void {
    if (v === '') return;
    if (sharedCol[col]) {
      let k = shared.get(v);
      if (k === undefined && sharedList.length < MAX_SHARED) {
        k = sharedList.length;
        shared.set(v, k);
        sharedList.push(v);
      }
      if (k !== undefined) {
        sharedRefs++;
        const p = putInt(buf, openCell(col, SHARED, 16 + SHARED_END.length), k);
        pos = copy(buf, p, SHARED_END);
        return;
      }
    }
    // At most 5 bytes per UTF-16 unit: 3 in UTF-8, or '&' escaped as '&amp;'.
    const p = openCell(col, INLINE, 5 * v.length + INLINE_END.length);
    const end = putUtf8(buf, p, v, true);
    pos = copy(buf, end >= 0 ? end : putUtf8(buf, p, xmlText(v), false), INLINE_END);
  }

  /**
   * A cell from UTF-8 bytes (src[start, end)), copied as they are unless they hold a character
   * xmlText changes; then, and for a shared column, as the string they decode to.
   */
  function cellUtf8(col: number, src: Buffer, start: number, end: number): void {
    if (start === end) return;
    if (sharedCol[col]) {
      cell(col, src.toString('utf8', start, end));
      return;
    }
    // Room for the decoded and escaped form too: a UTF-16 unit per byte at most, 5 bytes each.
    let p = openCell(col, INLINE, 5 * (end - start) + INLINE_END.length);
    const from = p;
    for (let i = start; i < end; i++) {
      const c = src[i]!;
      if (
        c < 0x20
          ? c !== 0x09 && c !== 0x0a && c !== 0x0d
          : c === 0x26 ||
            c === 0x3c ||
            c === 0x3e ||
            (c === 0xef && i + 2 < end && src[i + 1] === 0xbf && (src[i + 2] === 0xbe || src[i + 2] === 0xbf))
      ) {
        p = putUtf8(buf, from, xmlText(src.toString('utf8', start, end)), false);
        break;
      }
      buf[p++] = c;
    }
    pos = copy(buf, p, INLINE_END);
  }

  function putRow(cells: readonly (string | null | undefined)[]): void {
    beginRow();
    for (let i = 0; i < cells.length; i++) {
      const v = cells[i];
      if (v !== null && v !== undefined) cell(i, v);
    }
    endRow();
  }

  /** Hands the filled chunks (and with `all`, the partial one) to the zip writer. */
  async function drain(all: boolean): Promise<void> {
    if (failed) throw failed;
    if (all && pos > 0) {
      ready.push(buf.subarray(0, pos));
      buf = Buffer.allocUnsafe(CHUNK);
      pos = 0;
    }
    while (ready.length > 0) await zip.write(ready.shift()!);
    if (failed) throw failed;
  }

  async function text(s: string): Promise<void> {
    await zip.write(Buffer.from(s, 'utf8'));
  }

  async function endSheet(): Promise<void> {
    if (!inSheet) return;
    await drain(true);
    await text('</sheetData></worksheet>');
    await zip.end();
    inSheet = false;
  }

  async function part(name: string, content: string): Promise<void> {
    await zip.begin(name);
    await text(content);
    await zip.end();
  }

  return {
    get sheetRows() {
      return row;
    },

    async addSheet(name, columns) {
      await endSheet();
      cellOpen = columns.map((_, i) => bytes(`<c r="${columnName(i)}`));
      sharedCol = columns.map((c) => c.shared === true);
      row = 0;
      sheets.push(name);
      await zip.begin(`xl/worksheets/sheet${sheets.length}.xml`);
      inSheet = true;
      const cols = columns
        .map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${c.width}" customWidth="1"/>`)
        .join('');
      await text(
        `${HEAD}<worksheet xmlns="${NS}" xmlns:r="${REL_NS}"><sheetViews><sheetView workbookViewId="0">` +
          '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>' +
          `<cols>${cols}</cols><sheetData>`,
      );
      // The header is plain text in every sheet, whichever columns are shared.
      const keep = sharedCol;
      sharedCol = columns.map(() => false);
      putRow(columns.map((c) => c.header));
      sharedCol = keep;
    },

    async addRows(rows) {
      if (!inSheet) throw new Error('addSheet first');
      if (failed) throw failed;
      for (const r of rows) putRow(r);
      await drain(false);
    },

    async finish() {
      if (failed) throw failed;
      await endSheet();
      const sheetEntries = sheets.map((_, i) => i + 1);
      await part(
        '[Content_Types].xml',
        `${HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
          '<Default Extension="xml" ContentType="application/xml"/>' +
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
          '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
          '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' +
          sheetEntries
            .map(
              (n) =>
                `<Override PartName="/xl/worksheets/sheet${n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
            )
            .join('') +
          '</Types>',
      );
      await part(
        '_rels/.rels',
        `${HEAD}<Relationships xmlns="${PKG_REL_NS}">` +
          `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      );
      await part(
        'xl/workbook.xml',
        `${HEAD}<workbook xmlns="${NS}" xmlns:r="${REL_NS}"><sheets>` +
          sheets.map((s, i) => `<sheet name="${xmlText(s)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') +
          '</sheets></workbook>',
      );
      await part(
        'xl/_rels/workbook.xml.rels',
        `${HEAD}<Relationships xmlns="${PKG_REL_NS}">` +
          sheetEntries
            .map((n) => `<Relationship Id="rId${n}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${n}.xml"/>`)
            .join('') +
          `<Relationship Id="rId${sheets.length + 1}" Type="${REL_NS}/styles" Target="styles.xml"/>` +
          `<Relationship Id="rId${sheets.length + 2}" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/>` +
          '</Relationships>',
      );
      await part(
        'xl/styles.xml',
        `${HEAD}<styleSheet xmlns="${NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
          '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
          '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>' +
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
      );
      await part(
        'xl/sharedStrings.xml',
        `${HEAD}<sst xmlns="${NS}" count="${sharedRefs}" uniqueCount="${sharedList.length}">` +
          sharedList.map((s) => `<si><t>${xmlText(s)}</t></si>`).join('') +
          '</sst>',
      );
      await zip.finish();
      if (failed) throw failed;
      out.end();
      // Resolves once `out` has taken everything (its consumer may still be reading).
      await finished(out, { readable: false });
    },

    abort,
    beginRow,
    cell,
    cellUtf8,
    endRow,
    flush: () => drain(false),
  };
}
