import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../../core/errors.js';
import { readArrivalTraceCsv } from '../../../core/workload/arrival-csv.js';
import { TraceWorkload, traceTokenTables } from '../../../core/workload/trace-workload.js';

const dir = mkdtempSync(join(tmpdir(), 'migflow-trace-'));
let n = 0;
function csv(text: string): string {
  const file = join(dir, `t${n++}.csv`);
  writeFileSync(file, text);
  return file;
}
const agents = ['CodingAgent', 'RAGAgent'] as const;

function errorOf(fn: () => unknown): DatasetError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DatasetError) return err;
    throw err;
  }
  throw new Error('expected a DatasetError');
}

describe('trace CSV layouts', () => {
  it('migflow layout: rows sorted by time, times from the first arrival, tokens per agent', () => {
    const file = csv(
      'timestamp,agent,input_tokens,output_tokens\n12.5,RAGAgent,800,90\n10,CodingAgent,1200,300\n11,"CodingAgent",500,40\n',
    );
    const t = readArrivalTraceCsv(file, { agents });
    expect(t.layout).toBe('migflow');
    expect(t.totalRequests).toBe(3);
    expect(t.spanS).toBe(2.5);
    expect([...t.agents[0]!.arrivalTimesS]).toEqual([0, 1]);
    expect([...t.agents[0]!.promptTokens]).toEqual([1200, 500]);
    expect([...t.agents[1]!.arrivalTimesS]).toEqual([2.5]);
    expect([...t.agents[1]!.completionTokens]).toEqual([90]);
    const tokens = traceTokenTables(t)('CodingAgent', 'any-model');
    expect(Array.from(tokens.completionTokens)).toEqual([300, 40]);
  });

  it('BurstGPT layout: agents by Model, the rest to --trace-agent; failed rows with 0 response tokens are kept', () => {
    const file = csv(
      'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,472,18,490,Conversation log\n45,GPT-4,1087,0,1087,API log\n118,ChatGPT,417,134,551,Conversation log\n',
    );
    const t = readArrivalTraceCsv(file, {
      agents,
      agent: 'CodingAgent',
      agentByModel: { 'GPT-4': 'RAGAgent' },
    });
    expect(t.layout).toBe('burstgpt');
    expect([...t.agents[0]!.arrivalTimesS]).toEqual([0, 113]);
    expect([...t.agents[1]!.arrivalTimesS]).toEqual([40]);
    expect([...t.agents[1]!.completionTokens]).toEqual([0]);
  });

  it('Azure LLM trace layout: datetimes with 7 fraction digits become seconds from the first row', () => {
    const file = csv(
      'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:50.9951690,396,109\n2023-11-16 18:16:00.0000000,879,8\n',
    );
    const t = readArrivalTraceCsv(file, { agents, agent: 'RAGAgent' });
    expect(t.layout).toBe('azure');
    expect(t.agents[0]!.arrivalTimesS.length).toBe(0);
    const times = [...t.agents[1]!.arrivalTimesS];
    expect(times[0]).toBe(0);
    expect(times[1]).toBeCloseTo(4.314579, 6);
    expect(times[2]).toBeCloseTo(13.31941, 5);
    expect([...t.agents[1]!.promptTokens]).toEqual([374, 396, 879]);
  });
});

describe('trace CSV errors name the file, line and column', () => {
  it('an empty file and a header without rows', () => {
    const empty = csv('');
    expect(errorOf(() => readArrivalTraceCsv(empty, { agents })).message).toMatch(
      /t\d+\.csv: is empty — fix: write a header/,
    );
    const headerOnly = csv('timestamp,agent,input_tokens,output_tokens\n\n');
    const e = errorOf(() => readArrivalTraceCsv(headerOnly, { agents }));
    expect(e.file).toBe(headerOnly);
    expect(e.line).toBe(1);
    expect(e.message).toContain('has a header but no requests');
  });

  it('an unknown agent, an agent the simulation does not run, and no agent at all', () => {
    const bad = csv('timestamp,agent,input_tokens,output_tokens\n1,CodingAgent,10,10\n2,SearchAgent,10,10\n');
    const e = errorOf(() => readArrivalTraceCsv(bad, { agents }));
    expect(e.line).toBe(3);
    expect(e.message).toContain('column "agent" is "SearchAgent", not an agent');
    expect(e.message).toContain('use one of CodingAgent, RAGAgent');
    const inactive = csv('timestamp,agent,input_tokens,output_tokens\n1,ChatAgent,10,10\n');
    expect(errorOf(() => readArrivalTraceCsv(inactive, { agents })).message).toContain(
      'an agent the simulation config does not activate',
    );
    const azure = csv('TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,374,44\n');
    expect(errorOf(() => readArrivalTraceCsv(azure, { agents })).message).toContain('--trace-agent');
  });

  it('a bad token count, a bad time, a missing cell, and an unknown header', () => {
    const tokens = csv('timestamp,agent,input_tokens,output_tokens\n1,CodingAgent,12.5,10\n');
    const e = errorOf(() => readArrivalTraceCsv(tokens, { agents }));
    expect([e.line, e.message.includes('column "input_tokens" is "12.5", not a token count')]).toEqual([
      2,
      true,
    ]);
    const time = csv('timestamp,agent,input_tokens,output_tokens\n1,CodingAgent,1,1\nsoon,CodingAgent,1,1\n');
    expect(errorOf(() => readArrivalTraceCsv(time, { agents })).message).toMatch(
      /:3: column "timestamp" is "soon"/,
    );
    const missing = csv('timestamp,agent,input_tokens,output_tokens\n1,CodingAgent,1\n');
    expect(errorOf(() => readArrivalTraceCsv(missing, { agents })).message).toContain(
      'column "output_tokens" is empty',
    );
    const header = csv('time,who,in,out\n1,CodingAgent,1,1\n');
    expect(errorOf(() => readArrivalTraceCsv(header, { agents })).message).toMatch(
      /:1: header "time,who,in,out" is not a known trace layout/,
    );
  });
});

describe('TraceWorkload (training on a trace)', () => {
  it('replays the trace from 0 at each episode and repeats it after the latest arrival when topped up', () => {
    const file = csv(
      'timestamp,agent,input_tokens,output_tokens\n0,CodingAgent,1,1\n10,CodingAgent,2,2\n20,CodingAgent,3,3\n',
    );
    const w = new TraceWorkload(readArrivalTraceCsv(file, { agents }));
    expect(w.generate(0, 0, 0).map((a) => [a.arrivalTimeS, a.itemIndex])).toEqual([
      [0, 0],
      [10, 1],
      [20, 2],
    ]);
    expect(w.generate(0, 20, 1).map((a) => a.arrivalTimeS)).toEqual([30, 40, 50]);
    expect(w.generate(1, 0, 0)).toEqual([]);
  });
});
