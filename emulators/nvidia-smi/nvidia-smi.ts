/**
 * nvidia-smi emulator: the argv and output shapes of the real tool for the commands migflow's MIG controller runs
 * (`-L`, `-q -x`, `mig -lgi|-cgi|-dci|-dgi`, `--query-gpu` incl. power.draw (power.ts), `--query-compute-apps`, no arguments), against the
 * emulated machine in the state file. It refuses what the driver refuses, with the driver's messages and NVML's
 * return codes as exit status: 2 invalid argument, 6 not found, 19 in use, 23 insufficient resources.
 * Every invocation is appended to `<state>.calls.jsonl` so tests can check the exact command sequence.
 */
import { appendFileSync } from 'node:fs';
import { activityDir, boardPowerW, formatPower, readActivity } from './power.js';
import { findProfile, GPU_MODELS } from './profiles.js';
import {
  type EmulatedGpu,
  type EmulatorState,
  fakeUuid,
  readState,
  statePath,
  withStateLock,
  writeState,
} from './state.js';

export interface Outcome {
  stdout: string;
  stderr: string;
  code: number;
}

const EXIT = { invalid: 2, notFound: 6, inUse: 19, insufficient: 23 } as const;
const BAD_ARGS = "Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.\n";

function opt(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w);
}

function selectGpus(state: EmulatorState, argv: string[]): EmulatedGpu[] | Outcome {
  const i = opt(argv, '-i');
  if (i === undefined) return state.gpus;
  const gpu = state.gpus.find((g) => String(g.index) === i || g.uuid === i);
  if (!gpu) return { stdout: '', stderr: `No devices were found\n`, code: EXIT.notFound };
  return [gpu];
}

function listGpus(state: EmulatorState): Outcome {
  const lines: string[] = [];
  for (const g of state.gpus) {
    lines.push(`GPU ${g.index}: ${GPU_MODELS[g.model]!.productName} (UUID: ${g.uuid})`);
    g.instances
      .slice()
      .sort((a, b) => a.giId - b.giId)
      .forEach((gi, dev) => {
        lines.push(`  MIG ${gi.profile.padEnd(11)} Device ${pad(dev, 2)}: (UUID: ${gi.uuid})`);
      });
  }
  return { stdout: `${lines.join('\n')}\n`, stderr: '', code: 0 };
}

function queryXml(state: EmulatorState): Outcome {
  const gpus = state.gpus.map((g) => {
    const devices = g.instances
      .slice()
      .sort((a, b) => a.giId - b.giId)
      .map(
        (gi, dev) => `\t\t\t<mig_device>
\t\t\t\t<index>${dev}</index>
\t\t\t\t<gpu_instance_id>${gi.giId}</gpu_instance_id>
\t\t\t\t<compute_instance_id>${gi.cis[0] ?? 0}</compute_instance_id>
\t\t\t</mig_device>`,
      )
      .join('\n');
    return `\t<gpu id="00000000:${(0x07 + g.index * 0x10).toString(16).toUpperCase().padStart(2, '0')}:00.0">
\t\t<product_name>${GPU_MODELS[g.model]!.productName}</product_name>
\t\t<product_brand>NVIDIA</product_brand>
\t\t<mig_mode>
\t\t\t<current_mig>${g.migEnabled ? 'Enabled' : 'Disabled'}</current_mig>
\t\t\t<pending_mig>${g.migEnabled ? 'Enabled' : 'Disabled'}</pending_mig>
\t\t</mig_mode>
\t\t<mig_devices>
${devices || '\t\t\tNone'}
\t\t</mig_devices>
\t\t<uuid>${g.uuid}</uuid>
\t\t<minor_number>${g.index}</minor_number>
\t</gpu>`;
  });
  const xml = `<?xml version="1.0" ?>
<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">
<nvidia_smi_log>
\t<timestamp>${new Date().toUTCString()}</timestamp>
\t<driver_version>570.86.15</driver_version>
\t<cuda_version>12.8</cuda_version>
\t<attached_gpus>${state.gpus.length}</attached_gpus>
${gpus.join('\n')}
</nvidia_smi_log>
`;
  return { stdout: xml, stderr: '', code: 0 };
}

function listGpuInstances(gpus: EmulatedGpu[]): Outcome {
  const rows = gpus.flatMap((g) =>
    g.instances
      .slice()
      .sort((a, b) => a.giId - b.giId)
      .map((gi) => {
        const model = GPU_MODELS[g.model]!;
        const p = findProfile(model, gi.profile)!;
        return `|  ${pad(g.index, 2)}  MIG ${gi.profile.padEnd(12)} ${pad(p.id, 3)}      ${pad(gi.giId, 3)}          ${`${gi.start}:${gi.size}`.padEnd(6)}   |`;
      }),
  );
  if (rows.length === 0)
    return { stdout: '', stderr: 'No GPU instances found: Not Found\n', code: EXIT.notFound };
  const border = '+-------------------------------------------------------+';
  const head = [
    border,
    '| GPU instances:                                        |',
    '| GPU   Name             Profile  Instance   Placement  |',
    '|                          ID       ID       Start:Size |',
    '|=======================================================|',
  ];
  return {
    stdout: `${[...head, ...rows.flatMap((r, i) => (i === 0 ? [r] : [border, r])), border].join('\n')}\n`,
    stderr: '',
    code: 0,
  };
}

function createGpuInstances(
  state: EmulatorState,
  gpus: EmulatedGpu[],
  spec: string,
  withCi: boolean,
): Outcome {
  let out = '';
  const err = '';
  for (const g of gpus) {
    const model = GPU_MODELS[g.model]!;
    for (const item of spec.split(',')) {
      const [name = '', startText] = item.split(':');
      const p = findProfile(model, name);
      const fail = (why: string, code: number): Outcome => ({
        stdout: out,
        stderr: `${err}Unable to create a GPU instance on GPU ${pad(g.index, 2)} using profile ${name}: ${why}\nFailed to create GPU instances: ${why}\n`,
        code,
      });
      if (!g.migEnabled) return fail('Not Supported', 3);
      if (!p) return fail('Invalid Argument', EXIT.invalid);
      const f = state.faults.cgiFail;
      if (f && f.gpu === g.index && f.remaining > 0) {
        f.remaining--;
        return fail('Insufficient Resources', EXIT.insufficient);
      }
      const used = new Set(
        g.instances.flatMap((gi) => Array.from({ length: gi.size }, (_, k) => gi.start + k)),
      );
      const candidates = startText === undefined ? p.starts : [Number(startText)];
      const start = candidates.find(
        (s) =>
          p.starts.includes(s) &&
          Array.from({ length: p.size }, (_, k) => s + k).every((slice) => !used.has(slice)),
      );
      if (startText !== undefined && !p.starts.includes(Number(startText)))
        return fail('Invalid Argument', EXIT.invalid);
      if (start === undefined) return fail('Insufficient Resources', EXIT.insufficient);
      const ids = new Set(g.instances.map((gi) => gi.giId));
      let giId = p.compute === 7 ? 0 : 1;
      while (ids.has(giId)) giId++;
      state.created++;
      g.instances.push({
        giId,
        profile: p.name,
        start,
        size: p.size,
        cis: withCi ? [0] : [],
        uuid: fakeUuid('MIG', `${g.uuid}/${giId}/${state.created}`),
      });
      out += `Successfully created GPU instance ID ${pad(giId, 2)} on GPU ${pad(g.index, 2)} using profile MIG ${p.name} (ID ${pad(p.id, 2)})\n`;
      if (withCi) {
        out += `Successfully created compute instance ID  0 on GPU ${pad(g.index, 2)} GPU instance ID ${pad(giId, 2)} using profile MIG ${p.name} (ID ${pad(p.ciProfileId, 2)})\n`;
      }
    }
  }
  return { stdout: out, stderr: err, code: 0 };
}

/**
 * Runs `each` on every GPU instance `-gi` names (all of them without it) on each GPU, collecting what it prints;
 * a named instance that does not exist, or a failure `each` returns, ends the run with what was done so far.
 */
function forNamedInstances(
  gpus: EmulatedGpu[],
  giText: string | undefined,
  missing: (g: EmulatedGpu) => string,
  each: (g: EmulatedGpu, gi: EmulatedGpu['instances'][number]) => string | Omit<Outcome, 'stdout'>,
): Outcome {
  let out = '';
  for (const g of gpus) {
    const targets = g.instances.filter((gi) => giText === undefined || String(gi.giId) === giText);
    if (giText !== undefined && targets.length === 0) {
      return { stdout: out, stderr: `${missing(g)}: Not Found\n`, code: EXIT.notFound };
    }
    for (const gi of targets) {
      const r = each(g, gi);
      if (typeof r !== 'string') return { stdout: out, ...r };
      out += r;
    }
  }
  return { stdout: out, stderr: '', code: 0 };
}

function destroyComputeInstances(gpus: EmulatedGpu[], giText: string | undefined): Outcome {
  return forNamedInstances(
    gpus,
    giText,
    (g) =>
      `Unable to destroy compute instance ID  0 from GPU instance ID ${pad(Number(giText), 2)} on GPU ${pad(g.index, 2)}`,
    (g, gi) => {
      if (gi.cis.length === 0 && giText !== undefined) {
        return {
          stderr: `Unable to destroy compute instance ID  0 from GPU instance ID ${pad(gi.giId, 2)} on GPU ${pad(g.index, 2)}: Not Found\n`,
          code: EXIT.notFound,
        };
      }
      const out = gi.cis
        .map(
          (ci) =>
            `Successfully destroyed compute instance ID ${pad(ci, 2)} from GPU instance ID ${pad(gi.giId, 2)}\n`,
        )
        .join('');
      gi.cis = [];
      return out;
    },
  );
}

function destroyGpuInstances(state: EmulatorState, gpus: EmulatedGpu[], giText: string | undefined): Outcome {
  return forNamedInstances(
    gpus,
    giText,
    (g) => `Unable to destroy GPU instance ID ${pad(Number(giText), 2)} from GPU ${pad(g.index, 2)}`,
    (g, gi) => {
      const f = state.faults.dgiInUse;
      const held = f && f.gpu === g.index && f.remaining > 0;
      if (held) f.remaining--;
      if (held || gi.cis.length > 0) {
        return {
          stderr: `Unable to destroy GPU instance ID ${pad(gi.giId, 2)} from GPU ${pad(g.index, 2)}: In use by another client\nFailed to destroy GPU instances: In use by another client\n`,
          code: EXIT.inUse,
        };
      }
      g.instances = g.instances.filter((x) => x !== gi);
      return `Successfully destroyed GPU instance ID ${pad(gi.giId, 2)} from GPU ${pad(g.index, 2)}\n`;
    },
  );
}

/** Units nvidia-smi puts in the CSV header and after values (unless `nounits`). */
const FIELD_UNITS: Record<string, string> = { 'power.draw': 'W' };

/**
 * `--query-gpu=a,b --format=csv[,noheader][,nounits] [-i N|GPU-uuid|MIG-uuid]`: one row per GPU, fields joined by
 * `, `. A MIG device has no power reading of its own: asked with `-i MIG-…`, its row's power.draw is `[N/A]`.
 */
function queryGpu(state: EmulatorState, fields: string[], argv: string[], stateFile: string): Outcome {
  const format = (opt(argv, '--format') ?? argv.find((a) => a.startsWith('--format='))?.slice(9) ?? '').split(
    ',',
  );
  if (!format.includes('csv')) return { stdout: '', stderr: BAD_ARGS, code: EXIT.invalid };
  const units = !format.includes('nounits');
  const i = opt(argv, '-i');
  let rows: { g: EmulatedGpu; mig?: string }[] = state.gpus.map((g) => ({ g }));
  if (i !== undefined) {
    const gpu = state.gpus.find((g) => String(g.index) === i || g.uuid === i);
    const owner = state.gpus.find((g) => g.instances.some((gi) => gi.uuid === i));
    if (gpu) rows = [{ g: gpu }];
    else if (owner) rows = [{ g: owner, mig: i }];
    else return { stdout: '', stderr: 'No devices were found\n', code: EXIT.notFound };
  }
  const busy = fields.includes('power.draw')
    ? readActivity(activityDir(stateFile))
    : new Map<string, number>();
  const value = (f: string, g: EmulatedGpu, mig: string | undefined): string => {
    switch (f) {
      case 'index':
        return String(g.index);
      case 'mig.mode.current':
        return g.migEnabled ? 'Enabled' : 'Disabled';
      case 'name':
        return GPU_MODELS[g.model]!.productName;
      case 'uuid':
        return mig ?? g.uuid;
      case 'power.draw':
        return formatPower(mig ? null : boardPowerW(g, busy), units);
      default:
        return '[N/A]';
    }
  };
  const lines = rows.map(({ g, mig }) => fields.map((f) => value(f, g, mig)).join(', '));
  if (!format.includes('noheader')) {
    lines.unshift(fields.map((f) => (FIELD_UNITS[f] ? `${f} [${FIELD_UNITS[f]}]` : f)).join(', '));
  }
  return { stdout: `${lines.join('\n')}\n`, stderr: '', code: 0 };
}

function summary(state: EmulatorState): Outcome {
  const lines = [
    `${new Date().toUTCString()}`,
    '+-----------------------------------------------------------------------------------------+',
    '| NVIDIA-SMI 570.86.15              Driver Version: 570.86.15      CUDA Version: 12.8     |',
    '|-----------------------------------------+------------------------+----------------------+',
  ];
  for (const g of state.gpus) {
    lines.push(
      `| ${pad(g.index, 3)}  ${GPU_MODELS[g.model]!.productName.padEnd(34)} | MIG ${g.migEnabled ? 'Enabled ' : 'Disabled'}           | ${g.instances.length} instance(s)        |`,
    );
  }
  lines.push('+-----------------------------------------------------------------------------------------+');
  lines.push('| Processes:                                                                              |');
  lines.push('|  No running processes found                                                             |');
  lines.push('+-----------------------------------------------------------------------------------------+');
  return { stdout: `${lines.join('\n')}\n`, stderr: '', code: 0 };
}

/** Runs one invocation against the state file. */
export function runNvidiaSmi(argv: string[], env: NodeJS.ProcessEnv = process.env): Outcome {
  const file = statePath(env);
  try {
    appendFileSync(`${file}.calls.jsonl`, `${JSON.stringify(argv)}\n`);
  } catch {}
  return withStateLock(file, () => {
    const state = readState(file, env);
    const result = dispatch(state, argv, file);
    writeState(file, state);
    return result;
  });
}

function dispatch(state: EmulatorState, argv: string[], statePathOf: string): Outcome {
  if (argv.length === 0) return summary(state);
  if (argv[0] === '-L' && argv.length === 1) return listGpus(state);
  if (argv[0] === '-q' && argv[1] === '-x' && argv.length === 2) return queryXml(state);
  const query = argv.find((a) => a.startsWith('--query-gpu='));
  if (query) return queryGpu(state, query.slice('--query-gpu='.length).split(','), argv, statePathOf);
  if (argv.some((a) => a.startsWith('--query-compute-apps='))) return { stdout: '', stderr: '', code: 0 };
  if (argv[0] === 'mig') {
    const gpus = selectGpus(state, argv);
    if (!Array.isArray(gpus)) return gpus;
    if (argv.includes('-lgi')) return listGpuInstances(gpus);
    const cgi = opt(argv, '-cgi');
    if (cgi !== undefined) return createGpuInstances(state, gpus, cgi, argv.includes('-C'));
    if (argv.includes('-dci')) return destroyComputeInstances(gpus, opt(argv, '-gi'));
    if (argv.includes('-dgi')) return destroyGpuInstances(state, gpus, opt(argv, '-gi'));
  }
  return { stdout: '', stderr: BAD_ARGS, code: EXIT.invalid };
}

export function main(): void {
  const r = runNvidiaSmi(process.argv.slice(2));
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.code;
}
