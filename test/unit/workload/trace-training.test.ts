import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MigEnv, seededEnvRng } from '../../../core/control/index.js';
import { NO_ACTION } from '../../../core/mig/actions.js';
import { readArrivalTraceCsv } from '../../../core/workload/arrival-csv.js';
import { TraceWorkload, traceTokenTables } from '../../../core/workload/trace-workload.js';
import { sim2, training } from '../rl/setup.js';

describe('training on a recorded trace', () => {
  it('the environment takes the trace as its workload source and serves its requests', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'migflow-trace-env-')), 'trace.csv');
    const rows = ['timestamp,agent,input_tokens,output_tokens'];
    for (let i = 0; i < 600; i++) rows.push(`${i},${i % 3 === 0 ? 'RAGAgent' : 'CodingAgent'},600,80`);
    writeFileSync(file, `${rows.join('\n')}\n`);
    const trace = readArrivalTraceCsv(file, { agents: sim2.agentsEnumOrder });
    let completed = 0;
    const env = new MigEnv({
      simulation: sim2,
      training,
      tokens: traceTokenTables(trace),
      rng: seededEnvRng(3),
      episodeLength: 4,
      workload: new TraceWorkload(trace),
      hooks: { onRequestCompleted: () => completed++ },
    });
    env.reset();
    for (let i = 0; i < 4; i++) {
      env.actionMasks();
      env.step(NO_ACTION);
    }
    expect(env.sim.nowS).toBeGreaterThanOrEqual(480);
    expect(completed).toBeGreaterThan(400);
  });
});
