// A minimal streaming zip writer for the XLSX writer: entries are written one after the other,
// each through one zlib deflate stream (compressing on libuv's thread pool while the caller builds
// the next chunk), with the CRC computed natively (zlib.crc32). archiver did the same job through
// three more layers of streams and computed the CRC in JavaScript, byte by byte.
//
// Sizes and offsets are 32-bit (no ZIP64): an entry or an archive past 4 GiB is refused with an
// error rather than written corrupt. An XLSX sheet holds at most 1,048,576 rows, ~0.4 GB of XML for
// the exports this writes.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import zlib from 'node:zlib';

const LIMIT_32 = 0xffffffff;

interface Entry {
  name: Buffer;
  offset: number;
  crc: number;
  size: number;
  compressed: number;
  time: number;
  date: number;
}

export interface ZipWriter {
  /** Starts an entry (the previous one must be ended). */
  begin(name: string): Promise<void>;
  /** Adds uncompressed bytes to the current entry; `data` must not change afterwards (it is deflated later). */
  write(data: Buffer): Promise<void>;
  /** Ends the current entry. */
  end(): Promise<void>;
  /** Writes the central directory; the caller ends `out`. */
  finish(): Promise<void>;
}

/** DOS date and time of now (local time, as zip tools write it). */
function dosTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/** Waits for `event` on `s`, or fails when `out` closes first (a consumer that went away never drains). */
async function until(s: NodeJS.EventEmitter, event: string, out: Writable): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([once(s, event, { signal: stop.signal }), once(out, 'close', { signal: stop.signal })]);
  } finally {
    stop.abort();
  }
  if (out.destroyed) throw new Error('output closed');
}

export function createZipWriter(out: Writable, opts: { level?: number } = {}): ZipWriter {
  const level = opts.level ?? 1;
  const entries: Entry[] = [];
  let offset = 0;
  let current: { entry: Entry; deflate: zlib.DeflateRaw; ended: Promise<void> } | undefined;
  let failed: Error | undefined;

  async function emit(b: Buffer): Promise<void> {
    if (out.destroyed || out.writableEnded) throw new Error('output closed');
    offset += b.length;
    if (offset > LIMIT_32) throw new Error('zip: archive over 4 GiB (ZIP64 not supported)');
    if (!out.write(b)) await until(out, 'drain', out);
  }

  return {
    async begin(name) {
      if (current) throw new Error('zip: entry not ended');
      const { time, date } = dosTime(new Date());
      const entry: Entry = { name: Buffer.from(name, 'utf8'), offset, crc: 0, size: 0, compressed: 0, time, date };
      const h = Buffer.alloc(30);
      h.writeUInt32LE(0x04034b50, 0);
      h.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
      h.writeUInt16LE(0x0808, 6); // sizes in the data descriptor; UTF-8 name
      h.writeUInt16LE(8, 8); // deflate
      h.writeUInt16LE(time, 10);
      h.writeUInt16LE(date, 12);
      // crc and sizes 0 here: they follow the data
      h.writeUInt16LE(entry.name.length, 26);
      await emit(Buffer.concat([h, entry.name]));
      const deflate = zlib.createDeflateRaw({ level, chunkSize: 256 * 1024 });
      // The compressed bytes go straight to `out`, paused while it is full.
      let waiting = false;
      deflate.on('data', (b: Buffer) => {
        entry.compressed += b.length;
        offset += b.length;
        if (!out.write(b) && !waiting) {
          waiting = true;
          deflate.pause();
          out.once('drain', () => {
            waiting = false;
            deflate.resume();
          });
        }
      });
      const ended = new Promise<void>((resolve, reject) => {
        const closed = () => reject(new Error('output closed'));
        out.once('close', closed);
        deflate.once('end', () => {
          out.off('close', closed);
          resolve();
        });
        deflate.once('error', (e) => {
          out.off('close', closed);
          reject(e);
        });
      });
      ended.catch((e: Error) => {
        failed ??= e;
      });
      current = { entry, deflate, ended };
    },

    async write(data) {
      if (failed) throw failed;
      if (!current) throw new Error('zip: begin first');
      if (data.length === 0) return;
      const { entry, deflate } = current;
      entry.crc = zlib.crc32(data, entry.crc);
      entry.size += data.length;
      if (entry.size > LIMIT_32) throw new Error('zip: entry over 4 GiB (ZIP64 not supported)');
      if (!deflate.write(data)) await until(deflate, 'drain', out);
      if (failed) throw failed;
    },

    async end() {
      if (!current) throw new Error('zip: begin first');
      const { entry, deflate, ended } = current;
      deflate.end();
      await ended;
      if (offset > LIMIT_32) throw new Error('zip: archive over 4 GiB (ZIP64 not supported)');
      const d = Buffer.alloc(16);
      d.writeUInt32LE(0x08074b50, 0);
      d.writeUInt32LE(entry.crc >>> 0, 4);
      d.writeUInt32LE(entry.compressed, 8);
      d.writeUInt32LE(entry.size, 12);
      await emit(d);
      entries.push(entry);
      current = undefined;
    },

    async finish() {
      if (current) throw new Error('zip: entry not ended');
      const start = offset;
      const parts: Buffer[] = [];
      for (const e of entries) {
        const c = Buffer.alloc(46);
        c.writeUInt32LE(0x02014b50, 0);
        c.writeUInt16LE(20, 4); // made by: 2.0, MS-DOS attributes
        c.writeUInt16LE(20, 6);
        c.writeUInt16LE(0x0808, 8);
        c.writeUInt16LE(8, 10);
        c.writeUInt16LE(e.time, 12);
        c.writeUInt16LE(e.date, 14);
        c.writeUInt32LE(e.crc >>> 0, 16);
        c.writeUInt32LE(e.compressed, 20);
        c.writeUInt32LE(e.size, 24);
        c.writeUInt16LE(e.name.length, 28);
        c.writeUInt32LE(e.offset, 42);
        parts.push(c, e.name);
      }
      const dir = Buffer.concat(parts);
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(entries.length, 8);
      end.writeUInt16LE(entries.length, 10);
      end.writeUInt32LE(dir.length, 12);
      end.writeUInt32LE(start, 16);
      if (start + dir.length > LIMIT_32) throw new Error('zip: archive over 4 GiB (ZIP64 not supported)');
      await emit(Buffer.concat([dir, end]));
    },
  };
}
