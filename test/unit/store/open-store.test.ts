import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalFolderStore, S3Store, storeFromEnv, storeSpecFromEnv } from '../../../core/store/index.js';

describe('choosing the store from the environment', () => {
  it('defaults to the artifacts folder, and takes a folder or file:// URL', () => {
    expect(storeSpecFromEnv({ MIGFLOW_ARTIFACTS: '/data/a' })).toEqual({ kind: 'local', root: '/data/a' });
    expect(storeSpecFromEnv({ MIGFLOW_STORE: 'file:///srv/migflow' })).toEqual({
      kind: 'local',
      root: '/srv/migflow',
    });
    expect(storeSpecFromEnv({ MIGFLOW_STORE: 'rel/dir' })).toEqual({
      kind: 'local',
      root: resolve('rel/dir'),
    });
    expect(storeFromEnv({ MIGFLOW_STORE: '/x' })).toBeInstanceOf(LocalFolderStore);
  });

  it('reads s3://bucket/prefix, the endpoint, the region and the fetch cache', () => {
    expect(
      storeSpecFromEnv({
        MIGFLOW_STORE: 's3://team-bucket/migflow/prod/',
        MIGFLOW_STORE_ENDPOINT: 'http://127.0.0.1:8333',
        MIGFLOW_STORE_REGION: 'eu-west-1',
        MIGFLOW_CACHE_DIR: '/c',
      }),
    ).toEqual({
      kind: 's3',
      bucket: 'team-bucket',
      prefix: 'migflow/prod',
      endpoint: 'http://127.0.0.1:8333',
      region: 'eu-west-1',
      cacheDir: join('/c', 'store', 'team-bucket', 'migflow', 'prod'),
    });
    const store = storeFromEnv({ MIGFLOW_STORE: 's3://b12/p', MIGFLOW_STORE_CACHE: '/tmp/x' });
    expect(store).toBeInstanceOf(S3Store);
    expect(store.location).toBe('s3://b12/p/');
  });

  it('refuses credentials in the URL or the endpoint, bad bucket names and unknown schemes, naming the fix', () => {
    expect(() => storeSpecFromEnv({ MIGFLOW_STORE: 's3://AKIA:secret@bucket/p' })).toThrow(
      /MIGFLOW_STORE: holds credentials .* AWS_ACCESS_KEY_ID/,
    );
    expect(() =>
      storeSpecFromEnv({
        MIGFLOW_STORE: 's3://bucket',
        MIGFLOW_STORE_ENDPOINT: 'http://key:secret@host:8333',
      }),
    ).toThrow(/MIGFLOW_STORE_ENDPOINT=.*without credentials/);
    expect(() => storeSpecFromEnv({ MIGFLOW_STORE: 's3://Bad_Bucket/p' })).toThrow(
      /not a valid S3 bucket name/,
    );
    expect(() => storeSpecFromEnv({ MIGFLOW_STORE: 'gs://bucket/p' })).toThrow(
      /neither a folder nor an s3:\/\/ URL/,
    );
    expect(() => storeSpecFromEnv({ MIGFLOW_STORE: 's3://bucket/../x' })).toThrow(/not a plain name/);
  });
});
