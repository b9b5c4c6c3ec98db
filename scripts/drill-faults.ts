/**
 * Issue 14's fault drills, too slow for the unit suite (3–4 minutes on a loaded 2-core machine): run with `npm run drill:faults`
 * (or `npm run drill:faults -- bench folders train launcher` for some of them).
 * Prints one JSON object with every drill's outcome and exits 1 when an invariant broke.
 *
 * 1. full disk: `migflow bench --out` on a 2 MB tmpfs (needs root to mount; skipped with the reason otherwise) —
 *    the second run fails with one line naming the path and ENOSPC, the first run's folder stays complete, no
 *    temporary file or folder is left.
 * 2. kill -9 mid-write: `migflow bench --out DIR --seed 2` killed at random instants over a complete seed-1 run —
 *    DIR always holds exactly one complete run (every file parses, PNGs end with IEND, every results file's
 *    workload seed is the marker's), never files of two seeds side by side.
 * 3. SIGTERM to the launcher during `migflow train`: the trainer checkpoints and exits, no process of the run
 *    survives.
 * 4. kill -9 of the launcher during `migflow train`: no process of the run survives (the trainer notices its parent
 *    is gone).
 * 5. dataset and fit output folders (`migflow dataset coder --out`, `migflow profile fit-prefill|fit-tpot --out`):
 *    kill -9 at random instants over a complete earlier run, and a second run on a full tmpfs — the folder always
 *    holds exactly one run: its marker's manifest lists every file with a matching SHA-256 (nothing more, nothing
 *    less), JSON and JSONL parse, PNGs end with IEND, and no temporary sibling survives the next run.
 * 6. `migflow train --out`: kill -9 at a random instant of a fresh run and again of its resume, then a resume to the
 *    end; and a run on a tmpfs too small for its checkpoints. A killed run is never half-finished (no final
 *    checkpoint or curve without run.json's `finished`), every checkpoint present is complete, and the last
 *    resume finishes one timeline. A fresh run into the finished folder is refused and changes nothing.
 * The docker-import race has its own test on the real engine (test/docker/image-single-flight.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'migflow.js');
const results: Record<string, unknown> = {};
let failed = false;

function check(drill: string, ok: boolean, detail: string): void {
  if (!Array.isArray(results[drill])) results[drill] = [];
  const list = results[drill] as string[];
  list.push(`${ok ? 'ok' : 'FAIL'}: ${detail}`);
  if (!ok) failed = true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function migflow(args: readonly string[], cwd = ROOT): ResultPromise<{ reject: false; all: true }> {
  // execa's kill() would follow a SIGTERM with SIGKILL after 5 s; a stopping trainer may take longer to reach a step
  // boundary and checkpoint (the stage allows its child 20 s), so only a launcher hung past 30 s is force-killed.
  return execa(process.execPath, [BIN, ...args], {
    cwd,
    reject: false,
    all: true,
    forceKillAfterDelay: 30_000,
  });
}

const bench = (out: string, seed: number) => [
  'bench',
  '--bl',
  'static_no_mig',
  'heuristic',
  '--synthetic-tokens',
  '--steps',
  '20',
  '--seed',
  String(seed),
  '--out',
  out,
];

/** Every file in `dir` is complete; returns the workload seeds its results files hold. */
function walkComplete(dir: string, drill: string): Set<number> {
  const seeds = new Set<number>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.json')) {
        try {
          const doc = JSON.parse(readFileSync(p, 'utf8'));
          if (e.name.startsWith('results_')) seeds.add(doc.workload.seed);
        } catch {
          check(drill, false, `${p} does not parse`);
        }
      } else if (p.endsWith('.png')) {
        const b = readFileSync(p);
        if (b.length < 12 || b.subarray(b.length - 8, b.length - 4).toString('latin1') !== 'IEND')
          check(drill, false, `${p} is truncated (no IEND)`);
      }
    }
  };
  walk(dir);
  return seeds;
}

function leftovers(parent: string): string[] {
  return readdirSync(parent).filter((n) => n.includes('.tmp'));
}

async function fullDisk(): Promise<void> {
  const drill = 'full-disk';
  const mnt = mkdtempSync(join(tmpdir(), 'migflow-drill-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (err) {
    results[drill] = `skipped: cannot mount a tmpfs (${(err as Error).message.split('\n')[0]}); run as root`;
    rmSync(mnt, { recursive: true, force: true });
    return;
  }
  try {
    const out = join(mnt, 'bench');
    const first = await migflow(bench(out, 1));
    check(drill, first.exitCode === 0, `first run fits in 2 MB (exit ${first.exitCode})`);
    const before = readdirSync(out).sort().join(',');
    // Leave a few kilobytes: the second run fails while writing, not before.
    const free = Number(execFileSync('df', ['--output=avail', '-k', mnt]).toString().split('\n')[1]);
    writeFileSync(join(mnt, 'fill'), Buffer.alloc(Math.max(0, free - 8) * 1024));
    const second = await migflow(bench(out, 2));
    const lines = second.all
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('migflow:'));
    check(drill, second.exitCode !== 0, `second run exits non-zero (${second.exitCode})`);
    check(
      drill,
      /ENOSPC|EDQUOT/.test(second.all) && second.all.includes(mnt),
      `the error names the path and ENOSPC: ${lines.at(-1)}`,
    );
    check(drill, !/\n\s+at /.test(second.all), 'no stack trace');
    check(drill, readdirSync(out).sort().join(',') === before, 'the first run’s folder is unchanged');
    const seeds = walkComplete(out, drill);
    check(
      drill,
      seeds.size === 1 && seeds.has(1),
      `the seed-1 run is left whole (workload seeds ${[...seeds]})`,
    );
    check(
      drill,
      leftovers(mnt).length === 0,
      `no temporary leftovers (${leftovers(mnt).join(', ') || 'none'})`,
    );
  } finally {
    execFileSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
}

async function killMidWrite(): Promise<void> {
  const drill = 'kill-mid-write';
  const parent = mkdtempSync(join(tmpdir(), 'migflow-drill-kill-'));
  const out = join(parent, 'bench');
  try {
    const first = await migflow(bench(out, 1));
    check(drill, first.exitCode === 0, `complete seed-1 run (exit ${first.exitCode})`);
    const markerSeed = () => {
      const argv = JSON.parse(readFileSync(join(out, '.migflow-output.json'), 'utf8')).argv as string[];
      return Number(argv[argv.indexOf('--seed') + 1]);
    };
    for (const delayMs of [300, 1500, 3000, 4500, 6000]) {
      const p = migflow(bench(out, 2));
      await sleep(delayMs);
      p.kill('SIGKILL');
      await p;
      const seeds = walkComplete(out, drill);
      const marker = markerSeed();
      // The bench seed drives the workload seed: seed-1 and seed-2 runs must never share the folder.
      check(
        drill,
        seeds.size === 1 && seeds.has(marker),
        `killed after ${delayMs} ms: one run in the folder (workload seeds ${[...seeds]}, marker --seed ${marker})`,
      );
      const complete = existsSync(join(out, 'comparison.json'));
      check(drill, complete, `killed after ${delayMs} ms: the folder is a complete run`);
    }
    // An uninterrupted seed-2 run replaces the folder whole and removes the killed runs' temporary siblings.
    const last = await migflow(bench(out, 2));
    const seeds = walkComplete(out, drill);
    check(
      drill,
      last.exitCode === 0 && seeds.size === 1 && seeds.has(2),
      `a complete seed-2 run replaces it whole (workload seeds ${[...seeds]})`,
    );
    check(
      drill,
      leftovers(parent).length === 0,
      `the killed runs' temporary folders are gone (${leftovers(parent).join(', ') || 'none'})`,
    );
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

/** Pids whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(join('/proc', d, 'cmdline'), 'utf8');
      if (cmd.includes(marker) && Number(d) !== process.pid) pids.push(Number(d));
    } catch {
      // gone
    }
  }
  return pids;
}

async function launcherSignal(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const drill = `launcher-${signal}`;
  const parent = mkdtempSync(join(tmpdir(), 'migflow-drill-launch-'));
  const run = join(parent, `run-${signal}`);
  const p = migflow(['train', '--steps', '200000', '--synthetic-tokens', '--no-step-logs', '--out', run]);
  try {
    // Wait until the trainer child runs (its argv carries the run directory) and has taken some steps.
    const started = Date.now();
    while (processesWith(run).length < 2 && Date.now() - started < 60_000) await sleep(500);
    check(
      drill,
      processesWith(run).length >= 2,
      `launcher and trainer running (${processesWith(run).length} processes)`,
    );
    await sleep(10_000);
    const signalledAt = Date.now();
    p.kill(signal);
    const r = await p;
    const stopS = ((Date.now() - signalledAt) / 1000).toFixed(1);
    const deadline = Date.now() + 30_000;
    while (processesWith(run).length > 0 && Date.now() < deadline) await sleep(500);
    const left = processesWith(run);
    check(
      drill,
      left.length === 0,
      `no process of the run survives (${left.join(', ') || 'none'}) ${Math.round((Date.now() - started) / 1000)} s after start`,
    );
    if (signal === 'SIGTERM') {
      const cks = existsSync(join(run, 'checkpoints')) ? readdirSync(join(run, 'checkpoints')) : [];
      check(
        drill,
        cks.some((c) => c.startsWith('rl_model_')),
        `a checkpoint was written on the way out (${cks.join(', ')})`,
      );
      check(
        drill,
        r.all.includes('resume with'),
        r.all.includes('resume with')
          ? `the command says how to resume (it exited ${stopS} s after the signal)`
          : `the command says how to resume (exit ${r.exitCode ?? r.signal} ${stopS} s after the signal; its last lines: ${r.all.split('\n').slice(-4).join(' | ')})`,
      );
    }
    for (const pid of left) process.kill(pid, 'SIGKILL');
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

/** A random instant in [lo, hi) ms, logged in the check's text so a failure can be replayed. */
const randomMs = (lo: number, hi: number) => Math.round(lo + Math.random() * (hi - lo));

/** Every file under `dir` (relative path → SHA-256), the marker and temporary entries left out. */
function hashes(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name !== '.migflow-output.json') {
        files[p.slice(dir.length + 1)] = createHash('sha256').update(readFileSync(p)).digest('hex');
      }
    }
  };
  walk(dir);
  return files;
}

/** JSONL files: every line parses (a half-written last line would not). */
function jsonlComplete(dir: string, drill: string): void {
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.jsonl')) {
        const lines = readFileSync(p, 'utf8')
          .split('\n')
          .filter((l) => l.trim());
        for (const [i, l] of lines.entries()) {
          try {
            JSON.parse(l);
          } catch {
            // malformed.jsonl quotes the rejected raw text inside valid JSON, so every line must parse.
            check(drill, false, `${p}:${i + 1} does not parse`);
            break;
          }
        }
      }
    }
  };
  walk(dir);
}

/**
 * `dir` is one complete output of `command`: the marker names it, its manifest lists exactly the files present
 * with matching hashes, every file parses. Returns the marker's argv (which run it is) or undefined.
 */
function oneMarkedRun(dir: string, command: string, drill: string, when: string): string[] | undefined {
  const markerFile = join(dir, '.migflow-output.json');
  if (!existsSync(markerFile)) {
    check(drill, false, `${when}: ${dir} has no marker`);
    return undefined;
  }
  const marker = JSON.parse(readFileSync(markerFile, 'utf8')) as {
    command: string;
    argv: string[];
    files: Record<string, string>;
  };
  const present = hashes(dir);
  const listed = Object.keys(marker.files).sort();
  const same =
    marker.command === command &&
    listed.join('\n') === Object.keys(present).sort().join('\n') &&
    listed.every((f) => present[f] === marker.files[f]);
  walkComplete(dir, drill);
  jsonlComplete(dir, drill);
  check(
    drill,
    same,
    `${when}: one complete run (${listed.length} files, manifest hashes ${same ? 'match' : 'DIFFER'})`,
  );
  return marker.argv;
}

/** The fit and dataset commands with two distinguishable runs each (`run` 1 or 2) and the folder they write. */
interface FolderCommand {
  readonly name: string;
  readonly command: string;
  readonly args: (out: string, run: 1 | 2) => string[];
  /** How a marker's argv tells run 1 from run 2. */
  readonly runOf: (argv: readonly string[]) => 1 | 2 | undefined;
}

function folderCommands(inputs: string): FolderCommand[] {
  // Inputs big enough that a kill lands while the output is being written, small enough for a 6 MB tmpfs.
  mkdirSync(inputs, { recursive: true });
  const prefill = (run: 1 | 2) => {
    const n = 40_000;
    const xs = Array.from({ length: n }, (_, i) => 64 + (i % 4000));
    const ys = xs.map((x, i) => 0.02 * run + 0.0002 * x + ((i * 7919) % 1000) / 1e6);
    const file = join(inputs, `prefill-m-1g.10gb-run${run}.json`);
    writeFileSync(file, JSON.stringify({ input_lens: xs, ttfts: ys }));
    return file;
  };
  const prefillFiles = { 1: prefill(1), 2: prefill(2) };
  const sweep = (run: 1 | 2) => {
    const dir = join(inputs, `sweep${run}`);
    mkdirSync(dir, { recursive: true });
    for (const c of [1, 2, 4, 8]) {
      const itls = Array.from({ length: 2000 }, (_, i) => [0.02 * run + 0.001 * c + (i % 10) / 1e4]);
      writeFileSync(
        join(dir, `tpot-m-concurrency-${c}-run${run}.json`),
        JSON.stringify({ max_concurrency: c, itls }),
      );
    }
    return dir;
  };
  const sweeps = { 1: sweep(1), 2: sweep(2) };
  const coder = join(ROOT, 'datasets', 'samples', 'coder.jsonl');
  const byArg = (flag: string, values: Record<1 | 2, string>) => (argv: readonly string[]) => {
    const v = argv[argv.indexOf(flag) + 1];
    return v === values[1] ? 1 : v === values[2] ? 2 : undefined;
  };
  return [
    {
      name: 'fit-prefill',
      command: 'migflow profile fit-prefill',
      args: (out, run) => ['profile', 'fit-prefill', '--input', prefillFiles[run], '--out', out],
      runOf: byArg('--input', prefillFiles),
    },
    {
      name: 'fit-tpot',
      command: 'migflow profile fit-tpot',
      args: (out, run) => ['profile', 'fit-tpot', '--input-dir', sweeps[run], '--out', out],
      runOf: byArg('--input-dir', sweeps),
    },
    {
      name: 'dataset',
      command: 'migflow dataset coder',
      // Run 2 reads the sample three times (three times the rows) and stops at a limit: a different output.
      args: (out, run) => [
        'dataset',
        'coder',
        ...(run === 1
          ? ['--input', coder]
          : ['--input', coder, '--input', coder, '--input', coder, '--limit', '500']),
        '--out',
        out,
      ],
      runOf: (argv) => (argv.includes('--limit') ? 2 : 1),
    },
  ];
}

async function killFolderCommands(cmds: readonly FolderCommand[]): Promise<void> {
  for (const c of cmds) {
    const drill = `kill-${c.name}`;
    const parent = mkdtempSync(join(tmpdir(), `migflow-drill-${c.name}-`));
    const out = join(parent, 'out');
    try {
      const first = await migflow(c.args(out, 1));
      check(drill, first.exitCode === 0, `complete run 1 (exit ${first.exitCode})`);
      for (let k = 0; k < 2; k++) {
        // The first kill at a random instant; the second one once the run is building its folder beside the
        // target (reading, fitting, writing or publishing), where a kill can do harm.
        const started = Date.now();
        const stale = new Set(leftovers(parent));
        const building = () => leftovers(parent).some((n) => !stale.has(n));
        const p = migflow(c.args(out, 2));
        if (k === 0) await sleep(randomMs(1500, 4000));
        else {
          while (!building() && Date.now() - started < 20_000) await sleep(20);
          await sleep(randomMs(0, 400));
        }
        const delayMs = Date.now() - started;
        p.kill('SIGKILL');
        const r = await p;
        const argv = oneMarkedRun(
          out,
          c.command,
          drill,
          `killed after ${delayMs} ms (${r.exitCode ?? r.signal})`,
        );
        check(
          drill,
          argv !== undefined && c.runOf(argv) !== undefined,
          `  … and it is run ${argv && c.runOf(argv)}`,
        );
      }
      const last = await migflow(c.args(out, 2));
      const argv = oneMarkedRun(out, c.command, drill, `uninterrupted run 2 (exit ${last.exitCode})`);
      check(
        drill,
        last.exitCode === 0 && argv !== undefined && c.runOf(argv) === 2,
        'run 2 replaced it whole',
      );
      check(
        drill,
        leftovers(parent).length === 0,
        `no temporary folders left (${leftovers(parent).join(', ') || 'none'})`,
      );
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  }
}

/** Mounts a tmpfs of `size` for `body`; returns false (with the reason recorded) when it cannot. */
async function onTmpfs(drill: string, size: string, body: (mnt: string) => Promise<void>): Promise<void> {
  const mnt = mkdtempSync(join(tmpdir(), 'migflow-drill-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (err) {
    results[drill] = `skipped: cannot mount a tmpfs (${(err as Error).message.split('\n')[0]}); run as root`;
    rmSync(mnt, { recursive: true, force: true });
    return;
  }
  try {
    await body(mnt);
  } finally {
    execFileSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
}

/** The failure of a command on a full disk: non-zero, one line naming ENOSPC and the mount, no stack. */
function fullDiskFailure(drill: string, r: { exitCode?: number; all: string }, mnt: string): void {
  const lines = r.all
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('migflow:'));
  check(drill, r.exitCode !== 0, `exits non-zero on the full disk (${r.exitCode})`);
  check(
    drill,
    /ENOSPC|EDQUOT/.test(r.all) && r.all.includes(mnt),
    `names the path and ENOSPC: ${lines.at(-1)}`,
  );
  check(drill, !/\n\s+at /.test(r.all), 'no stack trace');
}

async function fullDiskFolderCommands(cmds: readonly FolderCommand[]): Promise<void> {
  await onTmpfs('full-disk-folders', '6m', async (mnt) => {
    for (const c of cmds) {
      const drill = `full-disk-${c.name}`;
      const out = join(mnt, c.name);
      const first = await migflow(c.args(out, 1));
      check(drill, first.exitCode === 0, `run 1 fits (exit ${first.exitCode})`);
      const free = Number(execFileSync('df', ['--output=avail', '-k', mnt]).toString().split('\n')[1]);
      const fill = join(mnt, 'fill');
      writeFileSync(fill, Buffer.alloc(Math.max(0, free - 8) * 1024));
      const second = await migflow(c.args(out, 2));
      fullDiskFailure(drill, second, mnt);
      const argv = oneMarkedRun(out, c.command, drill, 'after the failed run 2');
      check(drill, argv !== undefined && c.runOf(argv) === 1, 'run 1 is left whole');
      check(
        drill,
        leftovers(mnt).length === 0,
        `no temporary leftovers (${leftovers(mnt).join(', ') || 'none'})`,
      );
      rmSync(fill);
    }
  });
}

const TRAIN_ARGS = [
  'train',
  '--steps',
  '512',
  '--checkpoint-every',
  '128',
  '--set',
  'training.PPO.n_steps=128',
  '--set',
  'training.PPO.batch_size=64',
  '--synthetic-tokens',
  '--no-step-logs',
];

/** A run directory a kill may leave: never half-finished, every checkpoint complete; returns the newest one. */
function trainRunState(run: string, drill: string, when: string): { finished: boolean; newest?: string } {
  if (!existsSync(run)) {
    check(drill, true, `${when}: nothing written yet`);
    return { finished: false };
  }
  walkComplete(run, drill);
  jsonlComplete(run, drill);
  const meta = existsSync(join(run, 'run.json'))
    ? (JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as { finished?: unknown })
    : {};
  const finished = meta.finished !== undefined;
  const ckDir = join(run, 'checkpoints');
  const cks = existsSync(ckDir) ? readdirSync(ckDir) : [];
  for (const ck of cks.filter((n) => statSync(join(ckDir, n)).isDirectory())) {
    const ok = (() => {
      try {
        const m = JSON.parse(readFileSync(join(ckDir, ck, 'checkpoint.json'), 'utf8')) as {
          tensors: { shape: number[]; offset: number }[];
        };
        const floats = Math.max(...m.tensors.map((t) => t.offset + t.shape.reduce((a, b) => a * b, 1)));
        return statSync(join(ckDir, ck, 'tensors.bin')).size === floats * 4;
      } catch {
        return false;
      }
    })();
    if (!ok) check(drill, false, `${when}: checkpoint ${ck} is incomplete`);
  }
  const hasFinal = cks.includes('final');
  const hasCurve = existsSync(join(run, 'training-curve.png'));
  // The curve is drawn on an interrupted run too (the progress so far); the final result is run.json's `finished`
  // with the final checkpoint, and what a kill leaves unfinished must resume (checked by the last run).
  check(
    drill,
    !finished || (hasFinal && hasCurve),
    `${when}: ${finished ? 'finished (final checkpoint and curve)' : `not finished${hasFinal ? ' (final checkpoint written, run.json not yet)' : ''}`}; checkpoints ${cks.filter((n) => n.startsWith('rl_')).join(' ') || 'none'}`,
  );
  const steps = cks
    .map((n) => /^rl_model_(\d+)_steps$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  return { finished, ...(steps.length ? { newest: join(ckDir, `rl_model_${steps.at(-1)}_steps`) } : {}) };
}

/** SIGKILLs every process whose command line names `marker` (this drill's own runs), ignoring ones just gone. */
function killAll(marker: string): void {
  for (const pid of processesWith(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

async function killTrain(): Promise<void> {
  const drill = 'kill-train';
  const parent = mkdtempSync(join(tmpdir(), 'migflow-drill-train-'));
  const run = join(parent, 'run');
  try {
    let state: { finished: boolean; newest?: string } = { finished: false };
    const countCheckpoints = () =>
      existsSync(join(run, 'checkpoints'))
        ? readdirSync(join(run, 'checkpoints')).filter((n) => n.startsWith('rl_model_')).length
        : 0;
    for (const k of [0, 1]) {
      // The first kill hits a fresh run early (configs, first rollout); the second one the resume of what the
      // first left, shortly after it wrote a checkpoint (mid-training or mid-checkpoint).
      const resume = k > 0 && state.newest ? ['--resume', state.newest] : [];
      const started = Date.now();
      const before = countCheckpoints();
      const p = migflow([...TRAIN_ARGS, ...resume, '--out', run]);
      if (k === 0) await sleep(randomMs(3000, 9000));
      else {
        while (countCheckpoints() <= before && Date.now() - started < 30_000) await sleep(100);
        await sleep(randomMs(0, 1500));
      }
      const delayMs = Date.now() - started;
      // Every process of the run at once (a power cut, the OOM killer): killing the launcher alone would let the
      // trainer checkpoint on its way out.
      killAll(run);
      p.kill('SIGKILL');
      const r = await p;
      state = trainRunState(
        run,
        drill,
        `${resume.length ? 'resume' : 'fresh run'} killed after ${delayMs} ms (${r.exitCode ?? r.signal})`,
      );
      if (state.finished) break;
    }
    if (!state.finished) {
      const resume = state.newest ? ['--resume', state.newest] : [];
      const last = await migflow([...TRAIN_ARGS, ...resume, '--out', run]);
      check(
        drill,
        last.exitCode === 0,
        `${resume.length ? `resume from ${state.newest?.split('/').at(-1)}` : 'fresh rerun'} finishes (exit ${last.exitCode})`,
      );
      state = trainRunState(run, drill, 'after the last run');
    }
    const meta = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as {
      starts: { resumedFrom: string | null }[];
      finished?: { steps: number };
    };
    check(
      drill,
      meta.finished?.steps === 512 &&
        meta.starts.every((s) => s.resumedFrom === null || s.resumedFrom.startsWith(run)),
      `one timeline: ${meta.starts.length} start(s), all from this folder, finished at ${meta.finished?.steps} steps`,
    );
    const before = hashes(run);
    const again = await migflow([...TRAIN_ARGS, '--out', run]);
    check(
      drill,
      again.exitCode !== 0 &&
        again.all.includes('--resume') &&
        JSON.stringify(hashes(run)) === JSON.stringify(before),
      `a fresh run into the finished folder is refused and changes nothing (exit ${again.exitCode})`,
    );
  } finally {
    killAll(run);
    rmSync(parent, { recursive: true, force: true });
  }
}

async function fullDiskTrain(): Promise<void> {
  // Each checkpoint is about 9 MB: 24 MB holds two, the third fails.
  await onTmpfs('full-disk-train', '24m', async (mnt) => {
    const drill = 'full-disk-train';
    const run = join(mnt, 'run');
    const r = await migflow([...TRAIN_ARGS, '--out', run]);
    fullDiskFailure(drill, r, mnt);
    const state = trainRunState(run, drill, 'after ENOSPC');
    check(drill, !state.finished, 'not marked finished');
    const tmp = [
      ...leftovers(mnt),
      ...(existsSync(join(run, 'checkpoints')) ? leftovers(join(run, 'checkpoints')) : []),
    ];
    check(drill, tmp.length === 0, `no temporary leftovers (${tmp.join(', ') || 'none'})`);
  });
}

const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);
const t0 = Date.now();
const inputs = mkdtempSync(join(tmpdir(), 'migflow-drill-inputs-'));
try {
  const cmds = folderCommands(inputs);
  if (want('bench')) {
    await fullDisk();
    await killMidWrite();
  }
  if (want('folders')) {
    await killFolderCommands(cmds);
    await fullDiskFolderCommands(cmds);
  }
  if (want('train')) {
    await killTrain();
    await fullDiskTrain();
  }
  if (want('launcher')) {
    await launcherSignal('SIGTERM');
    await launcherSignal('SIGKILL');
  }
} finally {
  rmSync(inputs, { recursive: true, force: true });
}
results['seconds'] = Math.round((Date.now() - t0) / 1000);
results['ok'] = !failed;
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exitCode = failed ? 1 : 0;
