// Reading one uploaded file from a multipart request, for every upload route (student photo,
// roster, exam-entry frame). Errors of the multipart parser itself (a cut-off body, a broken
// boundary) are the client's, so they answer 400 rather than 500; size limits keep their codes, and
// a second file (the multipart limit is one) is told as such, not as "too large".
import type { FastifyRequest } from 'fastify';
import { KaozhaoError } from '../../domain/errors.js';

export interface Upload {
  bytes: Uint8Array;
  filename: string;
  /** The text fields sent with the file. */
  fields: Record<string, string>;
}

export async function readUpload(req: FastifyRequest, field: string): Promise<Upload> {
  if (!req.isMultipart()) throw KaozhaoError.of('request.no_file');
  let file: { bytes: Uint8Array; filename: string } | undefined;
  const fields: Record<string, string> = {};
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== field || file) {
          part.file.resume();
          continue;
        }
        file = { bytes: new Uint8Array(await part.toBuffer()), filename: part.filename };
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'FST_FILES_LIMIT') throw KaozhaoError.of('request.multiple_files');
    if (e instanceof KaozhaoError || (e as { code?: string }).code?.startsWith('FST_')) throw e;
    throw KaozhaoError.of('request.invalid', { cause: e });
  }
  if (!file) throw KaozhaoError.of('request.no_file');
  return { ...file, fields };
}
