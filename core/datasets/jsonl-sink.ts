/**
 * Streaming counterpart of `writeFileAtomic` for outputs too large to build as one string (the expanded coder
 * set is several GB): lines go to a hidden temp file beside the target, which is fsynced and renamed over the
 * target on commit, or removed on discard. Readers never see a half-written output.
 */
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const FLUSH_CHARS = 1 << 20;

export class JsonlSink {
  private handle: FileHandle | undefined;
  private pending: string[] = [];
  private pendingChars = 0;
  private readonly tmp: string;
  lines = 0;

  private constructor(readonly file: string) {
    this.tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  }

  static async create(file: string): Promise<JsonlSink> {
    const sink = new JsonlSink(file);
    await mkdir(dirname(file), { recursive: true });
    sink.handle = await open(sink.tmp, 'w');
    return sink;
  }

  async write(value: unknown): Promise<void> {
    const line = `${JSON.stringify(value)}\n`;
    this.pending.push(line);
    this.pendingChars += line.length;
    this.lines++;
    if (this.pendingChars >= FLUSH_CHARS) await this.flush();
  }

  async commit(): Promise<void> {
    await this.flush();
    const handle = this.handle;
    if (!handle) throw new Error(`JsonlSink for ${this.file} is already closed`);
    this.handle = undefined;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.tmp, this.file);
  }

  /** Drops everything written; safe to call after commit or twice. */
  async discard(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await handle.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    await this.handle?.write(chunk);
  }
}
