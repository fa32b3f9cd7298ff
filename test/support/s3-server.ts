// A real S3-protocol server for the tests: s3rver on a free loopback port, its objects in a temp
// directory, one bucket made before it serves. Its one account is S3RVER / S3RVER: an unknown
// access key id is refused (InvalidAccessKeyId, 403) as by a real service, but s3rver 3.7 does not
// verify SigV4 signatures, so a wrong secret with the right key id is accepted.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3Settings } from '../../src/config.js';

export interface TestS3Server {
  settings: S3Settings;
  /** The endpoint, for settings of other buckets or credentials. */
  endpoint: string;
  close(): Promise<void>;
}

export async function startS3Server(bucket = 'kaozhao-photos'): Promise<TestS3Server> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'kz-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    settings: {
      endpoint,
      bucket,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
    },
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
