/**
 * MIG domain: pure data and functions shared by the simulator, the RL environment, the bench and deployment.
 * No I/O; GPU profile sets can come from the built-ins here or from configs/gpus/*.yaml (core/config/gpu.ts).
 *
 * - Logical profiles (`LogicalProfile`, `LOGICAL_PROFILES` in feature order 7G…1S, `profileSize`, `profileIdx`).
 * - Hardware profile sets per GPU model (`A100_40GB`, `B200`, `hardwareProfileOf`, `hardwareProfileByName`,
 *   `validStates`: B200 all 15, A100 {1, 2, 3, 8, 12} because 1S is unsupported there).
 * - Geometry states (`STATE_IDS`, `stateLayout`, `sliceLayout`, `oneHotPosition`, `identifyState` with the
 *   reference's first-match aliasing: 10→9, 14→13, 16→15, 17→15).
 * - Legal transitions (`TRANSITIONS`: 96 pairs, 48 splits and 48 merges; `transitionBetween`, `legalTargets`).
 * - Agents and their orders (`AgentName`, `agentsInEnumOrder`, `agentsInNameOrder`).
 * - The action space (`actionCount`: 55 for 2 agents, 100 for 3; `decodeAction`, `actionName`,
 *   `stateActionIndex`, `transferActionIndex`).
 * - Resolving an action against a GPU's current engines and masking it (`resolveAction`, `actionMask`).
 *
 * @example
 *   decodeAction(3, 99) // { kind: 'transfer', gpu: 2, profile: '1S', receiver: 'ChatAgent', index: 99 }
 *   identifyState(['1S', '1S', '2G', '3G']) // 9 (physically state 10)
 */
export * from './actions.js';
export * from './agents.js';
export * from './hardware.js';
export * from './profiles.js';
export * from './states.js';
export * from './transitions.js';
