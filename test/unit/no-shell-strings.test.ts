/**
 * Processes are started with argv arrays only: no shell, no command strings. This reads every source file and
 * rejects the APIs and options that hand a string to a shell.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/paths.js';

const DIRS = [
  'core',
  'activities',
  'workflows',
  'workers',
  'cli',
  'emulators',
  'bench',
  'scripts',
  'datasets',
];
const FORBIDDEN: [RegExp, string][] = [
  [/\bshell\s*:\s*(true|['"`])/, 'shell option'],
  [/\bexecSync\s*\(|\bexec\s*\(\s*['"`]/, 'child_process exec with a command string'],
  [/\bexecaCommand(Sync)?\b/, 'execaCommand parses a command string'],
  [/\$\s*`|\$\(\s*\{[^}]*\}\s*\)\s*`/, 'execa template-string syntax'],
  [/spawn\s*\(\s*['"`](sh|bash|\/bin\/sh|\/bin\/bash)['"`]/, 'spawning a shell'],
];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) out.push(...sources(full));
    else if (/\.(ts|mjs|js)$/.test(e.name)) out.push(full);
  }
  return out;
}

describe('process execution', () => {
  it('never passes a command string to a shell anywhere in the code', () => {
    const offences: string[] = [];
    for (const d of DIRS) {
      let files: string[] = [];
      try {
        files = sources(join(PROJECT_ROOT, d));
      } catch {
        continue;
      }
      for (const f of files) {
        readFileSync(f, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            for (const [re, what] of FORBIDDEN) {
              if (re.test(line))
                offences.push(`${relative(PROJECT_ROOT, f)}:${i + 1}: ${what}: ${line.trim()}`);
            }
          });
      }
    }
    expect(offences).toEqual([]);
  });
});
