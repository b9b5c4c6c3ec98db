/**
 * Arrival traces from CSV files, so a benchmark or a training run can replay recorded traffic instead of the
 * synthetic idle/even/busy/burst patterns. Three column layouts are recognised by their header:
 *
 *   migflow   timestamp,agent,input_tokens,output_tokens      (seconds from the start; agent = CodingAgent, …)
 *   BurstGPT  Timestamp,Model,Request tokens,Response tokens,… (seconds; Model mapped to an agent by the caller)
 *   Azure     TIMESTAMP,ContextTokens,GeneratedTokens          (datetimes; one agent for the whole file)
 *
 * Times are made relative to the earliest row, rows are sorted by time (stable), and every problem names the
 * file, the line and the column.
 */
import { readFileSync } from 'node:fs';
import { AGENT_ORDER } from '../config/index.js';
import { DatasetError } from '../errors.js';
import type { AgentName } from '../mig/index.js';

export type TraceLayout = 'migflow' | 'burstgpt' | 'azure';

export interface TraceCsvOptions {
  /** Agents the simulation serves; rows for any other agent are an error. */
  readonly agents: readonly AgentName[];
  /** Agent of every row in layouts without an agent column (BurstGPT, Azure). */
  readonly agent?: AgentName;
  /** BurstGPT: agent per `Model` value (e.g. ChatGPT → ChatAgent); overrides `agent` for listed models. */
  readonly agentByModel?: Readonly<Record<string, AgentName>>;
}

/** One agent's requests in arrival order; the i-th request's tokens are at index i. */
export interface AgentArrivals {
  readonly agent: AgentName;
  readonly arrivalTimesS: Float64Array;
  readonly promptTokens: Int32Array;
  readonly completionTokens: Int32Array;
}

export interface ArrivalTrace {
  readonly file: string;
  readonly layout: TraceLayout;
  /** In the order of `options.agents`. */
  readonly agents: readonly AgentArrivals[];
  /** Time of the last arrival (the first is at 0). */
  readonly spanS: number;
  readonly totalRequests: number;
}

interface LayoutSpec {
  readonly layout: TraceLayout;
  readonly time: string;
  readonly agent?: string;
  readonly model?: string;
  readonly input: string;
  readonly output: string;
}

const LAYOUTS: readonly LayoutSpec[] = [
  { layout: 'migflow', time: 'timestamp', agent: 'agent', input: 'input_tokens', output: 'output_tokens' },
  {
    layout: 'burstgpt',
    time: 'Timestamp',
    model: 'Model',
    input: 'Request tokens',
    output: 'Response tokens',
  },
  { layout: 'azure', time: 'TIMESTAMP', input: 'ContextTokens', output: 'GeneratedTokens' },
];

const LAYOUT_HELP =
  'use the header "timestamp,agent,input_tokens,output_tokens", a BurstGPT header (Timestamp, Model, Request tokens, Response tokens) or an Azure LLM trace header (TIMESTAMP, ContextTokens, GeneratedTokens)';

/** Splits one CSV line; double quotes group commas and `""` is a literal quote. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cell);
      cell = '';
    } else cell += ch;
  }
  out.push(cell);
  return out.map((c) => c.trim());
}

/** `2023-11-16 18:15:46.6805900` (UTC, any number of fraction digits) → seconds since the epoch. */
function parseDateTimeS(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z?$/.exec(text);
  if (!m) return Number.NaN;
  const whole = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
  return whole + (m[7] ? Number(`0.${m[7]}`) : 0);
}

interface Row {
  readonly timeS: number;
  readonly agent: number;
  readonly prompt: number;
  readonly completion: number;
}

/** Reads a trace CSV (see the module doc for layouts). */
export function readArrivalTraceCsv(file: string, options: TraceCsvOptions): ArrivalTrace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DatasetError(file, undefined, 'cannot be read', 'check the path of the trace CSV', {
      cause: err,
    });
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0) {
    throw new DatasetError(
      file,
      undefined,
      'is empty',
      `write a header line and one row per request; ${LAYOUT_HELP}`,
    );
  }
  const header = splitCsvLine(lines[headerAt]!);
  const spec = LAYOUTS.find((l) =>
    [l.time, l.agent, l.model, l.input, l.output].every((c) => !c || header.includes(c)),
  );
  if (!spec) {
    throw new DatasetError(
      file,
      headerAt + 1,
      `header "${lines[headerAt]!.trim()}" is not a known trace layout`,
      LAYOUT_HELP,
    );
  }
  const col = (name: string | undefined) => (name ? header.indexOf(name) : -1);
  const cTime = col(spec.time);
  const cAgent = col(spec.agent);
  const cModel = col(spec.model);
  const cIn = col(spec.input);
  const cOut = col(spec.output);
  const rows: Row[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const lineNo = i + 1;
    const cells = splitCsvLine(line);
    const cell = (c: number, name: string) => {
      const v = cells[c];
      if (v === undefined || v === '') {
        throw new DatasetError(
          file,
          lineNo,
          `column "${name}" is empty`,
          `give every row a value for ${name}`,
        );
      }
      return v;
    };
    const raw = cell(cTime, spec.time);
    const timeS = spec.layout === 'azure' ? parseDateTimeS(raw) : Number(raw);
    if (!Number.isFinite(timeS)) {
      throw new DatasetError(
        file,
        lineNo,
        `column "${spec.time}" is "${raw}", not a time`,
        spec.layout === 'azure'
          ? 'write times as YYYY-MM-DD HH:MM:SS[.fraction]'
          : 'write seconds as a number',
      );
    }
    const tokens = (c: number, name: string) => {
      const v = cell(c, name);
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) {
        throw new DatasetError(
          file,
          lineNo,
          `column "${name}" is "${v}", not a token count`,
          'write a whole number ≥ 0',
        );
      }
      return n;
    };
    const prompt = tokens(cIn, spec.input);
    const completion = tokens(cOut, spec.output);
    const agent = rowAgent(file, lineNo, spec, cells, cAgent, cModel, options);
    rows.push({ timeS, agent, prompt, completion });
  }
  if (rows.length === 0) {
    throw new DatasetError(
      file,
      headerAt + 1,
      'has a header but no requests',
      'add one row per request below the header',
    );
  }
  rows.sort((a, b) => a.timeS - b.timeS);
  const t0 = rows[0]!.timeS;
  if (rows.length > 1 && rows[rows.length - 1]!.timeS === t0) {
    // A trace that spans 0 s replays as one decision: almost always a time column in the wrong unit or format.
    throw new DatasetError(
      file,
      headerAt + 2,
      `all ${rows.length} rows share one timestamp (${spec.time} = ${t0}), so the trace spans 0 s and would replay as a single decision`,
      `check the "${spec.time}" column: it must hold each request's arrival time${spec.layout === 'azure' ? ' (YYYY-MM-DD HH:MM:SS[.fraction])' : ' in seconds'}`,
    );
  }
  const agents = options.agents.map((agent, a) => {
    const mine = rows.filter((r) => r.agent === a);
    return {
      agent,
      arrivalTimesS: Float64Array.from(mine, (r) => r.timeS - t0),
      promptTokens: Int32Array.from(mine, (r) => r.prompt),
      completionTokens: Int32Array.from(mine, (r) => r.completion),
    };
  });
  return {
    file,
    layout: spec.layout,
    agents,
    spanS: rows[rows.length - 1]!.timeS - t0,
    totalRequests: rows.length,
  };
}

function rowAgent(
  file: string,
  lineNo: number,
  spec: LayoutSpec,
  cells: readonly string[],
  cAgent: number,
  cModel: number,
  options: TraceCsvOptions,
): number {
  let name: string | undefined;
  let column = spec.agent ?? spec.model ?? '';
  if (cAgent >= 0) name = cells[cAgent];
  else {
    const model = cModel >= 0 ? cells[cModel] : undefined;
    name = (model !== undefined ? options.agentByModel?.[model] : undefined) ?? options.agent;
    if (name === undefined) {
      column = spec.model ?? '(no agent column)';
      throw new DatasetError(
        file,
        lineNo,
        `a ${spec.layout} trace names no agent (column "${column}" is "${model ?? ''}")`,
        'pass --trace-agent <AgentName> (every row) or map models to agents, e.g. --trace-model ChatGPT=ChatAgent',
      );
    }
  }
  const index = options.agents.indexOf(name as AgentName);
  if (index < 0) {
    const known = AGENT_ORDER.includes(name as AgentName);
    throw new DatasetError(
      file,
      lineNo,
      `column "${column}" is "${name ?? ''}", ${known ? 'an agent the simulation config does not activate' : 'not an agent'}`,
      `use one of ${options.agents.join(', ')}`,
    );
  }
  return index;
}
