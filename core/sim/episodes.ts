/**
 * Reconfiguration episodes, for recovery analysis in the bench: for each agent an action touches, when
 * it was triggered, when its engines finished draining and when the last one finished booting.
 */
import { EngineStatus, type ReconfigKind } from './constants.js';
import type { SimAgent } from './entities/agent.js';

export interface ReconfigEpisode {
  readonly agent: number;
  readonly actionType: ReconfigKind;
  readonly tTriggerS: number;
  readonly isReceiver: boolean;
  seenActivity: boolean;
  tDrainDoneS: number | null;
  tBootDoneS: number | null;
  /** Another action touched the agent before this one settled. */
  interrupted: boolean;
}

export class EpisodeLog {
  readonly closed: ReconfigEpisode[] = [];
  readonly open = new Map<number, ReconfigEpisode>();

  clear(): void {
    this.closed.length = 0;
    this.open.clear();
  }

  /** Opens one episode per affected agent; an agent with one still open gets it marked interrupted. */
  openFor(
    affected: readonly number[],
    actionType: ReconfigKind,
    nowS: number,
    receiver: number | undefined,
  ): void {
    for (const agent of affected) {
      const existing = this.open.get(agent);
      if (existing !== undefined) {
        existing.interrupted = true;
        continue;
      }
      this.open.set(agent, {
        agent,
        actionType,
        tTriggerS: nowS,
        isReceiver: receiver === agent,
        seenActivity: false,
        tDrainDoneS: null,
        tBootDoneS: null,
        interrupted: false,
      });
    }
  }

  /** Stamps drain and boot completion as each agent's engines settle back to ACTIVE. */
  advance(nowS: number, agents: readonly SimAgent[]): void {
    for (const [agentIndex, ep] of this.open) {
      const engines = agents[agentIndex]!.engines;
      let draining = false;
      let booting = false;
      for (const e of engines) {
        if (e.status === EngineStatus.Draining) draining = true;
        else if (e.status === EngineStatus.Booting) booting = true;
      }
      if (draining || booting) ep.seenActivity = true;
      else if (!ep.seenActivity) continue;
      if (ep.tDrainDoneS === null && !draining) ep.tDrainDoneS = nowS;
      if (ep.tDrainDoneS !== null && !booting) {
        ep.tBootDoneS = nowS;
        this.closed.push(ep);
        this.open.delete(agentIndex);
      }
    }
  }

  /** Closed episodes, then those still in flight. */
  all(): ReconfigEpisode[] {
    return [...this.closed, ...this.open.values()];
  }
}
