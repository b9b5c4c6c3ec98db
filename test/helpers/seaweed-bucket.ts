/**
 * The S3 tests' server: SeaweedFS (`weed server -s3`, built once into the tool cache) on 127.0.0.1 with a private
 * data dir and fresh keys, started once per test file with one bucket ready. The keys go into this process's
 * environment (the stores under test read credentials the standard way, the AWS SDK's chain).
 */
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { type SeaweedFs, startSeaweedFs } from '../../tools/seaweedfs.js';

export interface SeaweedBucket {
  /** The running server (endpoint and keys). */
  readonly weed: SeaweedFs;
  /** A client of the bucket's own, to look at or change what the code under test stored. */
  readonly raw: S3Client;
}

/** Registers the file's beforeAll/afterAll: the server started and `bucket` created; the fields are set once beforeAll has run. */
export function useSeaweedBucket(bucket: string): SeaweedBucket {
  const s = {} as { weed: SeaweedFs; raw: S3Client };
  beforeAll(async () => {
    s.weed = await startSeaweedFs({ log: (l) => process.stderr.write(`${l}\n`) });
    process.env.AWS_ACCESS_KEY_ID = s.weed.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s.weed.secretAccessKey;
    s.raw = new S3Client({
      endpoint: s.weed.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: s.weed.accessKeyId, secretAccessKey: s.weed.secretAccessKey },
    });
    await s.raw.send(new CreateBucketCommand({ Bucket: bucket }));
    // SeaweedFS allocates a new bucket's volumes on its first write (seconds): done here, not inside a test.
    await s.raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'warm-up', Body: 'x' }));
    await s.raw.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'warm-up' }));
  });
  afterAll(async () => {
    s.raw?.destroy();
    await s.weed?.stop();
  });
  return s;
}
