// The checks a cycle makes of one miner's telemetry, for a probe (`pithead fleet probe`): the same
// divergence codes and words as the ledger's fleet.divergence records, judged as a first poll
// (no earlier reading, so nothing about counters or lost comms).

import type { Telemetry } from "../telemetry.ts";
import { type Divergence, minerDivergences } from "./divergence.ts";
import { applyTelemetry, emptyMemory } from "./memory.ts";
import type { Policy } from "./policy.ts";
import type { TelemetryBody } from "./records.ts";

export function probeDivergences(minerId: string, telemetry: Telemetry, nowMs: number, policy: Policy): Divergence[] {
  const body: TelemetryBody = { cycle: 0, minerId, ok: true, telemetry };
  const before = emptyMemory();
  const after = applyTelemetry(before, body, 0, nowMs, policy);
  return minerDivergences({ minerId, body, before, after, nowMs, policy });
}
