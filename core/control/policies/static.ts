/**
 * The two static baselines: a fixed starting layout that is never changed. `static_no_mig` gives each managed
 * GPU one full slice; `static_split_extreme` gives each the valid state with the most slices. They bound what
 * reconfiguration can gain.
 */
import { NO_ACTION } from '../../mig/index.js';
import type { InitialLayoutMode } from '../../sim/index.js';
import type { Policy } from './policy.js';

function staticPolicy(name: string, runName: string, initialMode: InitialLayoutMode): Policy {
  return { name, runName, initialMode, decide: () => NO_ACTION };
}

export const staticNoMig = (): Policy => staticPolicy('static_no_mig', 'STATIC_NO_MIG', 'no_mig');
export const staticSplitExtreme = (): Policy =>
  staticPolicy('static_split_extreme', 'STATIC_SPLIT_EXTREME', 'split_extreme');
