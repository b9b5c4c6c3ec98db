/**
 * A text file's non-blank lines with their 1-based numbers (blank lines counted, so numbers match an editor),
 * streamed line by line so a multi-GB file never sits in memory. The file is closed however the loop ends.
 * A UTF-8 byte-order mark at the start (Windows editors write one) is dropped, so line 1 parses like the rest.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export async function* nonBlankLines(file: string): AsyncGenerator<{ line: number; text: string }> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (text.trim() !== '') yield { line, text };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}
