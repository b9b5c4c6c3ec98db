/** Main-module check for child-process entries, run directly through tsx or as their bundle (bundled-entry.ts). */
import { basename } from 'node:path';

/**
 * Whether this process was started with `entryName` as its main module: the TypeScript file itself (through tsx)
 * or its bundle (`<entryName>-<16 hex digits>.mjs`).
 */
export function startedAsEntry(entryName: string): boolean {
  const main = basename(process.argv[1] ?? '');
  if (main === `${entryName}.ts`) return true;
  const hash =
    main.startsWith(`${entryName}-`) && main.endsWith('.mjs') ? main.slice(entryName.length + 1, -4) : '';
  return /^[0-9a-f]{16}$/.test(hash);
}
