// Dispatching one recorded decision to its miner. The receipt cites the decision, and a decision
// that already has a receipt is never dispatched again.

import type { CgminerAdapter, MinerEndpoint } from "../cgminer/adapter.ts";
import type { Clock } from "../clock.ts";
import type { Dispatch } from "../core/decide.ts";
import type { FleetState } from "../core/memory.ts";
import { type Json, type ReceiptBody, recordTypes, withCites } from "../core/records.ts";
import type { NewRecord } from "./recorder.ts";

export interface Executor {
  state: FleetState;
  endpoints: Map<string, MinerEndpoint>;
  adapter: CgminerAdapter;
  clock: Clock;
}

/** Dispatches one recorded decision; the receipt record to append (none if already executed). */
export async function executeDecision(
  executor: Executor,
  dispatch: Dispatch,
  decisionSeq: number,
): Promise<NewRecord | undefined> {
  if (executor.state.executed.has(dispatch.decisionId)) return undefined; // idempotent by decision id
  const endpoint = executor.endpoints.get(dispatch.minerId);
  if (!endpoint) return undefined;
  const started = performance.now();
  const result = await executor.adapter.execute(endpoint, dispatch.action, {
    family: dispatch.family,
    devices: dispatch.devices,
    nowMs: executor.clock.now(),
  });
  const executedAt = new Date(executor.clock.now());
  const body: ReceiptBody = {
    decisionId: dispatch.decisionId,
    minerId: dispatch.minerId,
    action: dispatch.action,
    status: result.status === "ok" ? "ok" : "failed",
    effect: result.status === "ok" ? result.effect : null,
    error: result.status === "ok" ? null : result.status === "failed" ? result.error : result.why,
    commands: result.results,
    executedAt: executedAt.toISOString(),
    elapsedMs: Math.round(performance.now() - started),
  };
  return { type: recordTypes.receipt, body: withCites(body, [decisionSeq]) as unknown as Json, at: executedAt };
}
