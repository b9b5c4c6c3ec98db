/** /metrics with vLLM's Prometheus names and bucket edges (V1 engine), on a private prom-client registry. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineCore } from './engine.js';

const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640,
  2560,
];
const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
];
const E2E_BUCKETS = [
  0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
];

export class EngineMetrics {
  readonly registry = new Registry();
  readonly ttft: Histogram<string>;
  readonly tpot: Histogram<string>;
  readonly itl: Histogram<string>;
  readonly e2e: Histogram<string>;
  readonly promptTokens: Counter<string>;
  readonly generationTokens: Counter<string>;
  readonly success: Counter<string>;
  readonly labels: Record<string, string>;

  constructor(engine: EngineCore, modelName: string) {
    this.labels = { model_name: modelName, engine: '0' };
    const labelNames = ['model_name', 'engine'];
    const registers = [this.registry];
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.set({ model_name: modelName, engine: '0' }, value());
        },
      });
    gauge(
      'vllm:num_requests_running',
      'Number of requests in model execution batches.',
      () => engine.numRunning,
    );
    gauge(
      'vllm:num_requests_waiting',
      'Number of requests waiting to be processed.',
      () => engine.numWaiting,
    );
    gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', () => engine.kvUsage);
    const hist = (name: string, help: string, buckets: number[]) =>
      new Histogram({ name, help, labelNames, buckets, registers });
    this.ttft = hist(
      'vllm:time_to_first_token_seconds',
      'Histogram of time to first token in seconds.',
      TTFT_BUCKETS,
    );
    this.tpot = hist(
      'vllm:time_per_output_token_seconds',
      'Histogram of time per output token in seconds (deprecated alias of inter_token_latency).',
      ITL_BUCKETS,
    );
    this.itl = hist(
      'vllm:inter_token_latency_seconds',
      'Histogram of inter-token latency in seconds.',
      ITL_BUCKETS,
    );
    this.e2e = hist(
      'vllm:e2e_request_latency_seconds',
      'Histogram of e2e request latency in seconds.',
      E2E_BUCKETS,
    );
    this.promptTokens = new Counter({
      name: 'vllm:prompt_tokens_total',
      help: 'Number of prefill tokens processed.',
      labelNames,
      registers,
    });
    this.generationTokens = new Counter({
      name: 'vllm:generation_tokens_total',
      help: 'Number of generation tokens processed.',
      labelNames,
      registers,
    });
    this.success = new Counter({
      name: 'vllm:request_success_total',
      help: 'Count of successfully processed requests.',
      labelNames: [...labelNames, 'finished_reason'],
      registers,
    });
  }
}
