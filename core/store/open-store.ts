/**
 * Which store a process uses, from its environment (never from workflow inputs: a store URL may be shared, its
 * credentials never are):
 *   MIGFLOW_STORE           unset → the local folder (MIGFLOW_ARTIFACTS or <project>/artifacts);
 *                           a path or file:///path → that folder; s3://bucket[/prefix] → an S3-compatible bucket
 *   MIGFLOW_STORE_ENDPOINT  the S3 server's URL when it is not AWS (e.g. http://127.0.0.1:8333 for SeaweedFS)
 *   MIGFLOW_STORE_REGION    region (else AWS_REGION, else us-east-1)
 *   MIGFLOW_STORE_CACHE     where fetched entries are kept (else ~/.cache/migflow/store/<bucket>/<prefix>)
 * Credentials: the AWS SDK's standard chain — AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE with
 * ~/.aws/credentials and ~/.aws/config, SSO, web identity, instance roles.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { artifactsDir, migflowCacheDir } from '../paths.js';
import { StoreUsageError } from './errors.js';
import { LocalFolderStore } from './local-store.js';
import { checkPrefix } from './refs.js';
import { S3Store } from './s3-store.js';
import type { ArtifactStore } from './types.js';

export type StoreSpec =
  | { kind: 'local'; root: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint?: string; region?: string; cacheDir: string };

// S3's bucket naming rules (lowercase letters, digits, dots and hyphens; 3–63 characters).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Reads the store settings from `env` (see the file comment), with errors that name the variable and the fix. */
export function storeSpecFromEnv(env: NodeJS.ProcessEnv = process.env): StoreSpec {
  const url = env.MIGFLOW_STORE?.trim() ?? '';
  if (!url) return { kind: 'local', root: artifactsDir(env) };
  if (url.startsWith('file://')) return { kind: 'local', root: fileURLToPath(url) };
  if (!url.startsWith('s3://')) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
      throw new StoreUsageError(
        `MIGFLOW_STORE=${url}`,
        'is neither a folder nor an s3:// URL',
        'use a folder path, file:///path or s3://bucket/prefix',
      );
    }
    return { kind: 'local', root: resolve(url) };
  }
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : checkPrefix(rest.slice(slash + 1));
  if (bucket.includes('@') || bucket.includes(':')) {
    throw new StoreUsageError(
      'MIGFLOW_STORE',
      'holds credentials or a port in the bucket part',
      'write s3://bucket/prefix; give the server in MIGFLOW_STORE_ENDPOINT and the keys in AWS_ACCESS_KEY_ID/' +
        'AWS_SECRET_ACCESS_KEY or an AWS profile',
    );
  }
  if (!BUCKET.test(bucket)) {
    throw new StoreUsageError(
      `MIGFLOW_STORE=${url}`,
      `bucket ${JSON.stringify(bucket)} is not a valid S3 bucket name`,
      'use 3–63 lowercase letters, digits, dots and hyphens',
    );
  }
  const endpoint = env.MIGFLOW_STORE_ENDPOINT?.trim() || undefined;
  if (endpoint && !/^https?:\/\/[^/@]+(\/.*)?$/.test(endpoint)) {
    throw new StoreUsageError(
      `MIGFLOW_STORE_ENDPOINT=${endpoint}`,
      'is not an http(s) URL without credentials',
      'use e.g. http://127.0.0.1:8333; keys go in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an AWS profile',
    );
  }
  const cacheDir = env.MIGFLOW_STORE_CACHE
    ? resolve(env.MIGFLOW_STORE_CACHE)
    : join(migflowCacheDir(env), 'store', bucket, ...(prefix ? prefix.split('/') : []));
  return {
    kind: 's3',
    bucket,
    prefix,
    cacheDir,
    ...(endpoint ? { endpoint } : {}),
    ...(env.MIGFLOW_STORE_REGION ? { region: env.MIGFLOW_STORE_REGION } : {}),
  };
}

export function openStore(spec: StoreSpec): ArtifactStore {
  if (spec.kind === 'local') return new LocalFolderStore(spec.root);
  return new S3Store(spec);
}

/** The store this process's environment names. */
export function storeFromEnv(env: NodeJS.ProcessEnv = process.env): ArtifactStore {
  return openStore(storeSpecFromEnv(env));
}
