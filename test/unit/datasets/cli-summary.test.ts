import { describe, expect, it } from 'vitest';
import { formatDatasetSummary } from '../../../cli/commands/dataset.js';

describe('migflow dataset summary', () => {
  it('lists counts, filters and every shown malformed row as file:line: reason', () => {
    const text = formatDatasetSummary({
      kind: 'chat',
      outputFile: '/o/chat.sharegpt.jsonl',
      rowsRead: 10,
      rowsWritten: 7,
      malformed: {
        count: 2,
        examples: [{ file: '/raw/c.json', line: 4, reason: '"conversation" is missing' }],
      },
      malformedFile: '/o/malformed.jsonl',
      dropped: { nonEnglish: 3 },
      inputBytes: 2 * 1024 * 1024,
    });
    expect(text.split('\n')).toEqual([
      'chat (lmsys/lmsys-chat-1m shape, for ChatAgent)',
      '  output        /o/chat.sharegpt.jsonl',
      '  rows read     10 (2.00 MiB of input)',
      '  rows written  7',
      '  left out      3 nonEnglish',
      '  malformed     2',
      '    /raw/c.json:4: "conversation" is missing',
      '    … 1 more',
      '  every malformed row is listed in /o/malformed.jsonl',
    ]);
  });
});
