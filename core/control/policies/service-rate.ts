/**
 * The per-slice service rate the heuristic (and later QAS) plans with: the measured sustainable req/s of
 * bench_config.yaml, derated by how well a slice of that size keeps up under load (full GPU 1.0, 4g/3g 0.8,
 * smaller slices 0.5). A missing measurement counts as 0, as in the reference.
 */
import { measuredServiceRatePerS, type ServiceRateTable } from '../../config/index.js';
import type { AgentName } from '../../mig/index.js';

/** Derating per logical profile idx (7G, 4G, 3G, 2G, 1L, 1S). */
export const SERVICE_RATE_FACTORS: readonly number[] = [1.0, 0.8, 0.8, 0.5, 0.5, 0.5];

/** Derated req/s of `agent` on hardware profile `profileName` (logical idx `logical`) of a `gpuModel` GPU. */
export function serviceRatePerS(
  table: ServiceRateTable,
  gpuModel: string,
  agent: AgentName,
  profileName: string,
  logical: number,
): number {
  return measuredServiceRatePerS(table, gpuModel, agent, profileName) * (SERVICE_RATE_FACTORS[logical] ?? 0);
}
