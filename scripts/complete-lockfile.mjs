#!/usr/bin/env node
/**
 * Adds lockfile entries for optional per-platform packages (biome's and swc's native builds for other OSes and CPUs)
 * that `npm install` could not resolve because the package mirror this lockfile was made against only serves the
 * builder's platform. Without them `npm ci` refuses the lockfile ("Missing: … from lock file"). Each entry is
 * tagged with its os/cpu(/libc), so npm skips it on other platforms and fetches it by version on its own platform.
 * Run after any `npm install` that changes the lockfile:  node scripts/complete-lockfile.mjs
 */
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pkgs = lock.packages;

function platformOf(name) {
  const n = name.split('/').pop();
  const os = ['android', 'darwin', 'linux', 'win32', 'freebsd'].find(
    (o) => n.includes(`-${o}-`) || n.endsWith(`-${o}`),
  );
  const cpu = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x'].find((c) => n.includes(`-${c}`));
  if (!os || !cpu) return undefined;
  const libc = n.includes('musl') ? ['musl'] : os === 'linux' && n.includes('gnu') ? ['glibc'] : undefined;
  return { os: [os], cpu: [cpu], ...(libc ? { libc } : {}) };
}

let added = 0;
for (const [path, entry] of Object.entries(pkgs)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = path.includes('node_modules/') ? `${path}/node_modules/${dep}` : `node_modules/${dep}`;
    if (pkgs[`node_modules/${dep}`] || pkgs[base]) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    pkgs[`node_modules/${dep}`] = { version, optional: true, ...platform };
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform entr${added === 1 ? 'y' : 'ies'}`);
