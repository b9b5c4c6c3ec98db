/**
 * The artifact store's contract. An **entry** is a set of files published together under a ref (a slash-separated
 * path such as `train/3f9c…` or `train/.work/<run>/checkpoints/rl_model_2048_steps`), described by a manifest that
 * lists every file with its sha256 and size. A reader sees an entry only once it is complete: the manifest is
 * published last, in one atomic step, and every read checks the bytes against it.
 */

/** One file of an entry, relative to the entry. Same shape as the stage cache's FileRecord. */
export interface StoredFile {
  path: string;
  sha256: string;
  bytes: number;
}

/** The manifest as stored: the caller's fields plus `outputs`, which the store computes from the files it stored. */
export type EntryManifest<M extends object = Record<string, unknown>> = M & { outputs: StoredFile[] };

export interface PutOptions {
  /**
   * The source directory may be consumed: the local folder then publishes it with one rename instead of a copy
   * (when it is on the same filesystem), and S3 keeps it as this host's verified local copy (its fetch cache), so a
   * `fetch` right after the put transfers nothing. Its content must not change during the put either way.
   */
  move?: boolean;
  /** Called after each file is stored (progress, and the crash drills' way to stop a publisher midway). */
  onFile?: (file: StoredFile) => void;
}

export interface PutResult<M extends object> {
  ref: string;
  /** False when another publisher completed the same ref first: `manifest` is theirs, and it is complete. */
  stored: boolean;
  manifest: EntryManifest<M>;
}

export interface FetchOptions {
  /** `hash` (default) re-hashes local files; `size` trusts a complete local copy whose sizes match. */
  verify?: 'hash' | 'size';
}

export interface FetchResult<M extends object> {
  /** A local directory holding every file of the entry (in place for the local folder, the fetch cache for S3). */
  dir: string;
  manifest: EntryManifest<M>;
  /** Bytes transferred from the store by this call (0 when the local copy was already complete). */
  transferredBytes: number;
}

export interface EntryListing<M extends object = Record<string, unknown>> {
  ref: string;
  manifest: EntryManifest<M>;
}

export interface ArtifactStore {
  readonly kind: 'local' | 's3';
  /** Where it is, for messages: a folder, or `s3://bucket/prefix` (never credentials). */
  readonly location: string;

  /** Publishes every file under `sourceDir` as entry `ref`, `meta` plus the file list as its manifest, manifest last. */
  put<M extends object>(ref: string, sourceDir: string, meta: M, opts?: PutOptions): Promise<PutResult<M>>;
  /** Downloads a complete entry into `destDir` (which must not exist yet), every file hash-checked; dir appears whole. */
  get<M extends object = Record<string, unknown>>(ref: string, destDir: string): Promise<EntryManifest<M>>;
  /** The manifest of a complete entry, or undefined when there is none. */
  lookup<M extends object = Record<string, unknown>>(ref: string): Promise<EntryManifest<M> | undefined>;
  exists(ref: string): Promise<boolean>;
  /** Complete entries whose ref starts with `prefix` (a ref or a folder of refs), sorted by ref. */
  list<M extends object = Record<string, unknown>>(prefix?: string): Promise<EntryListing<M>[]>;
  /** Removes an entry; it disappears at once (manifest first). False when there was none. */
  delete(ref: string): Promise<boolean>;
  /**
   * Copies one file of an entry to `dest`, checking it against the manifest (and `expectSha256` when given, e.g. a
   * hash a workflow carried from the stage that wrote it). The file appears whole or not at all.
   */
  getFile(ref: string, path: string, dest: string, opts?: { expectSha256?: string }): Promise<StoredFile>;
  /** A verified local copy of the entry: the folder itself for the local store, the fetch cache for S3. */
  fetch<M extends object = Record<string, unknown>>(
    ref: string,
    opts?: FetchOptions,
  ): Promise<FetchResult<M>>;
  /** A verified local copy of one file of an entry (see `fetch`), checked against `expectSha256` when given. */
  fetchFile(ref: string, path: string, opts?: { expectSha256?: string }): Promise<string>;
  /**
   * Removes what interrupted publishers left (never visible to readers) and, for S3, objects no entry references
   * any more, when older than `graceMs` (default 1 h, so a put in progress keeps its files).
   */
  removeOrphans(opts?: { graceMs?: number; dryRun?: boolean }): Promise<string[]>;
}
