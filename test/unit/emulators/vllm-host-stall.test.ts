/**
 * An emulated GPU keeps its schedule through a host stall: the emulator process is frozen (SIGSTOP) for a while in the
 * middle of a request's decode and the request still ends when its latency truth says, because the late steps run
 * back to back. Before, a stall of more than 50 ms restarted the step clock and every in-flight request carried the
 * whole stall as extra decode time, which is how one CI hiccup moved a fitted TPOT intercept by 6 %.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type SpawnedEmulator, spawnEmulator } from '../../../emulators/vllm/spawn.js';

const MODEL = 'Qwen/Qwen2.5-7B-Instruct';
const STEP_S = 0.05;
const TOKENS = 41; // 40 decode steps after the first token: 2.0 s of truth
const STALL_MS = 500;

let emu: SpawnedEmulator | undefined;
afterEach(async () => {
  if (emu?.child.pid) {
    try {
      process.kill(emu.child.pid, 'SIGCONT');
    } catch {}
  }
  await emu?.stop();
  emu = undefined;
});

/** Streams one completion; returns the client's times (ms) of the first and last token. */
async function streamFreezingAt(baseUrl: string, pid: number, freezeAfterTokens: number) {
  const res = await fetch(`${baseUrl}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      prompt: 'a b c d',
      max_tokens: TOKENS,
      ignore_eos: true,
      stream: true,
    }),
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let tokens = 0;
  let first = 0;
  let last = 0;
  let froze = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    const events = buffered.split('\n\n');
    buffered = events.pop()!;
    for (const e of events) {
      if (!e.startsWith('data: ') || e === 'data: [DONE]') continue;
      const chunk = JSON.parse(e.slice(6));
      if (!chunk.choices?.[0]?.text) continue;
      tokens++;
      last = performance.now();
      if (tokens === 1) first = last;
    }
    if (!froze && tokens >= freezeAfterTokens) {
      froze = true;
      process.kill(pid, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, STALL_MS));
      process.kill(pid, 'SIGCONT');
    }
  }
  return { tokens, decodeMs: last - first };
}

describe.each(['parallel', 'iteration'])('vLLM emulator (%s scheduler) through a host stall', (scheduler) => {
  it(`ends a request on its latency truth after a ${STALL_MS}-ms freeze mid-decode`, async () => {
    emu = await spawnEmulator([
      '--model',
      MODEL,
      '--boot-ms',
      '50',
      '--scheduler',
      scheduler,
      '--prefill-alpha',
      '0.01',
      '--prefill-beta',
      '0',
      '--decode-alpha',
      String(STEP_S),
      '--decode-beta',
      '0',
      '--decode-sigma',
      '0',
    ]);
    const { tokens, decodeMs } = await streamFreezingAt(emu.baseUrl, emu.child.pid!, 8);
    expect(tokens).toBe(TOKENS);
    const truthMs = (TOKENS - 1) * STEP_S * 1000;
    // A clock restarted by the stall would end at truth + 500 ms; late wake-ups under load stay well under 250 ms.
    expect(
      decodeMs,
      `decode took ${decodeMs.toFixed(0)} ms against a truth of ${truthMs} ms`,
    ).toBeGreaterThan(truthMs - 60);
    expect(decodeMs, `decode took ${decodeMs.toFixed(0)} ms against a truth of ${truthMs} ms`).toBeLessThan(
      truthMs + 250,
    );
  });
});
