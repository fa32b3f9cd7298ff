// Photo files in an S3-compatible bucket (AWS S3, MinIO, Tencent COS, Aliyun OSS): shared by every
// API and worker process like the database storage, without growing the database by the photos.
// Same keys and key check as the other backends (storage.repository.ts).
import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  type DeleteObjectsCommandOutput,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsCommand,
  type ListObjectsCommandOutput,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { S3Settings } from '../../config.js';
import { checkKey, checkPrefix, isStorageKey, type StorageRepository } from './storage.repository.js';

/** S3's limit of keys per DeleteObjects call, and the page size of a listing. */
const BATCH = 1000;

/** A failure of the bucket, told without credentials, signatures or the service's raw answer. */
export class ObjectStorageError extends Error {
  override name = 'ObjectStorageError';
  constructor(
    message: string,
    /** The service's error code (AccessDenied, NoSuchBucket…) or the network error's. */
    readonly code: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

export interface S3Storage extends StorageRepository {
  /** Fails with a clear ObjectStorageError when the bucket is missing, unreachable or refuses us. */
  checkBucket(): Promise<void>;
  close(): void;
}

const CONTENT_TYPES: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png' };

export function createS3Storage(settings: S3Settings): S3Storage {
  const { bucket } = settings;
  const client = new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    // The SDK (≥ 3.729) adds a CRC32 checksum to every request by default; several S3-compatible
    // services (Aliyun OSS, Tencent COS, older MinIO, s3rver) reject or mishandle those headers.
    // Only where the protocol demands a checksum (DeleteObjects) is one sent, plus Content-MD5 below.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A hung service must not hold an upload or a job forever (the SDK's default has no limit).
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
  });
  // DeleteObjects must carry an integrity header; services that predate the x-amz-checksum
  // headers (OSS, COS, older MinIO) accept only Content-MD5, which AWS accepts too.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown };
      if (context.commandName === 'DeleteObjectsCommand' && request.headers && typeof request.body === 'string') {
        request.headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
      }
      return next(args);
    },
    { step: 'build', name: 'kaozhaoDeleteObjectsContentMd5' },
  );
  const where = settings.endpoint ? new URL(settings.endpoint).host : `AWS S3 ${settings.region}`;

  /** Every SDK error becomes an ObjectStorageError: the SDK's own carries the request's signature
   *  details (StringToSign, the access key id) that a logged error would publish. */
  const fail = (op: string, e: unknown): ObjectStorageError => {
    if (e instanceof ObjectStorageError) return e;
    const status = e instanceof S3ServiceException ? e.$metadata.httpStatusCode : undefined;
    const code =
      e instanceof S3ServiceException ? e.name : ((e as { code?: string }).code ?? (e as Error)?.name ?? 'Error');
    let why: string;
    if (code === 'NoSuchBucket') why = `bucket "${bucket}" does not exist (KAOZHAO_S3_BUCKET)`;
    else if (code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch' || code === 'InvalidToken')
      why = 'the credentials were refused (KAOZHAO_S3_ACCESS_KEY_ID / KAOZHAO_S3_SECRET_ACCESS_KEY)';
    // A HEAD answer has no body, so a refused key and a refusing policy look the same there.
    else if (code === 'AccessDenied' || status === 403)
      why = `access to bucket "${bucket}" was denied (its policy, or KAOZHAO_S3_ACCESS_KEY_ID / KAOZHAO_S3_SECRET_ACCESS_KEY)`;
    else if (status === 301 || code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed')
      why =
        'the bucket is in another region (KAOZHAO_S3_REGION) or needs another addressing (KAOZHAO_S3_FORCE_PATH_STYLE)';
    else if (/^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|TimeoutError)$/.test(code))
      why = `the service at ${where} cannot be reached (${code})`;
    else why = `${code}${status ? ` (HTTP ${status})` : ''}`;
    return new ObjectStorageError(`object storage: ${op} failed: ${why}`, code, status);
  };
  const isNotFound = (e: unknown) =>
    e instanceof S3ServiceException && e.name !== 'NoSuchBucket' && e.$metadata.httpStatusCode === 404;

  /** Pages of keys under `prefix`. ListObjects (v1) with a marker rather than ListObjectsV2: every
   *  S3-compatible service has it, and s3rver's V2 continuation tokens use DES, which OpenSSL 3
   *  (Node ≥ 17) refuses, so a V2 listing longer than one page fails there. */
  async function* pages(prefix: string): AsyncGenerator<string[]> {
    let marker: string | undefined;
    for (;;) {
      let page: ListObjectsCommandOutput;
      try {
        page = await client.send(
          new ListObjectsCommand({
            Bucket: bucket,
            Prefix: prefix,
            MaxKeys: BATCH,
            ...(marker ? { Marker: marker } : {}),
          }),
        );
      } catch (e) {
        throw fail('list', e);
      }
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
      if (keys.length) yield keys;
      if (!page.IsTruncated || !keys.length) return;
      marker = page.NextMarker ?? keys[keys.length - 1];
    }
  }

  return {
    async put(key, bytes) {
      checkKey(key);
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: bytes,
            ContentLength: bytes.byteLength,
            ContentType: CONTENT_TYPES[key.split('.').pop() ?? ''] ?? 'application/octet-stream',
          }),
        );
      } catch (e) {
        throw fail('put', e);
      }
    },
    async get(key) {
      checkKey(key);
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!r.Body) return new Uint8Array();
        return await r.Body.transformToByteArray();
      } catch (e) {
        if (isNotFound(e)) return null;
        throw fail('get', e);
      }
    },
    async delete(key) {
      checkKey(key);
      try {
        // S3 answers 204 for an absent key too: absent is fine, as in the other backends.
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (e) {
        if (!isNotFound(e)) throw fail('delete', e);
      }
    },
    async deletePrefix(prefix) {
      checkPrefix(prefix);
      for await (const keys of pages(`${prefix}/`)) {
        let r: DeleteObjectsCommandOutput;
        try {
          r = await client.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              // Quiet: only failures come back, so a page of 1000 deletions is a short answer.
              Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
            }),
          );
        } catch (e) {
          throw fail('delete', e);
        }
        // A partial failure comes back in a 200 answer; a photo half erased must not pass as done.
        const first = r.Errors?.[0];
        if (first) {
          throw new ObjectStorageError(
            `object storage: delete failed for ${r.Errors!.length} of ${keys.length} files: ${first.Code ?? 'error'}`,
            first.Code ?? 'DeleteError',
            undefined,
          );
        }
      }
    },
    async *keys() {
      // The bucket may hold other things; only keys the application could have written count.
      for await (const keys of pages('')) {
        for (const key of keys) if (isStorageKey(key)) yield key;
      }
    },
    async checkBucket() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (e) {
        // HEAD answers carry no body, so a missing bucket is a bare 404.
        if (e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404) {
          throw new ObjectStorageError(
            `object storage: bucket "${bucket}" does not exist (KAOZHAO_S3_BUCKET)`,
            'NoSuchBucket',
            404,
          );
        }
        throw fail('bucket check', e);
      }
    },
    close() {
      client.destroy();
    },
  };
}
