// The decision core: a pure function of the state (folded from the ledger), this cycle's
// observations (telemetry, price and network records) and the clock's `now`. It returns the
// records to write, in the order they must be written, with citations by (type, key) for
// records of this cycle and by seq for older ones, plus the actions the shell should dispatch.
//
// Per miner:  checks → evidence gate → profit → rule → guards (cooldown, restart cap) → execution
// surface (MANUAL mode, dry-run, what the firmware can do). Every rule that wanted an action and
// did not get it leaves a negative proof; every miner that passes the gate gets a decision,
// HOLD included.

import { planAction } from "../cgminer/firmware.ts";
import { floorDiv, formatRational, formatScaled, parseDecimal } from "../decimal.ts";
import { findModel } from "../models.ts";
import { type Divergence, marketDivergences, minerDivergences } from "./divergence.ts";
import {
  applyTelemetry,
  emptyMemory,
  type FleetState,
  type MinerMemory,
  modelChangeOf,
  operatorLatch,
  thermalLatch,
} from "./memory.ts";
import { type MinerProfit, minerProfit } from "./miner-profit.ts";
import type { Policy } from "./policy.ts";
import { computeProfit, type Economics } from "./profit.ts";
import {
  type Action,
  type DecisionBody,
  type DivergenceBody,
  type ModelChangeBody,
  type NegativeProofBody,
  type NetworkBody,
  type PriceBody,
  type ProfitBody,
  type RecordType,
  recordTypes,
  type TelemetryBody,
} from "./records.ts";

export interface Observations {
  cycleSeq: number;
  telemetry: readonly { seq: number; body: TelemetryBody }[];
  price: { seq: number; body: PriceBody };
  network: { seq: number; body: NetworkBody };
}

/** A citation: an older record by seq, or a record of this cycle by type and key. */
export type Ref = { seq: number } | { type: RecordType; key: string };

export interface Planned {
  type: RecordType;
  key: string;
  body: DivergenceBody | ProfitBody | DecisionBody | NegativeProofBody | ModelChangeBody;
  cites: Ref[];
}

export interface Dispatch {
  decisionId: string;
  minerId: string;
  action: Exclude<Action, "HOLD">;
  family: MinerMemory["family"];
  devices: number;
}

export interface CycleOutcome {
  /** Tier 1: divergences and profits (cite observations). */
  evidence: Planned[];
  /** Tier 2: decisions, gate negative proofs and the fleet profit (cite tier 1). */
  decisions: Planned[];
  /** Tier 3: negative proofs for suppressed actions (cite decisions). */
  suppressions: Planned[];
  /** Actions to carry out, each already recorded as a decision. */
  dispatch: Dispatch[];
}

export function decisionIdFor(operatorId: string, cycleSeq: number, minerId: string): string {
  return `${operatorId}:${cycleSeq}:${minerId}`;
}

const ref = (type: RecordType, key: string): Ref => ({ type, key });
const divergenceKey = (d: Divergence) => `${d.minerId ?? "fleet"}:${d.code}`;

function economicsFrom(price: PriceBody, network: NetworkBody, state: FleetState): Economics | undefined {
  if (!price.available || price.microUsdPerBtc === null || !network.available || network.difficulty === null)
    return undefined;
  return {
    microUsdPerBtc: price.microUsdPerBtc,
    difficulty: network.difficulty,
    feesPerBlockSat: network.feesPerBlockSat ?? 0,
    height: network.height,
    energyMicroUsdPerKwh: state.site.energyMicroUsdPerKwh,
    poolFeePpm: state.site.poolFeePpm,
  };
}

/** Dollars as an operator writes them: "-$0.92", never "$-0.92" (decision rules 3 onwards). */
function usd(micro: number): string {
  const text = (Math.abs(micro) / 1e6).toFixed(2);
  return `${micro < 0 && text !== "0.00" ? "-" : ""}$${text}`;
}

export function decideCycle(
  state: FleetState,
  observations: Observations,
  nowMs: number,
  operatorId: string,
): CycleOutcome {
  const { policy } = state;
  const cycle = observations.cycleSeq;
  const decidedAt = new Date(nowMs).toISOString();
  const outcome: CycleOutcome = { evidence: [], decisions: [], suppressions: [], dispatch: [] };

  const marketFindings = marketDivergences(observations.price.body, observations.network.body, nowMs, policy);
  for (const d of marketFindings) {
    const source =
      d.code === "STALE_PRICE" || d.code === "FUTURE_PRICE_TIME" || d.code === "IMPLAUSIBLE_PRICE"
        ? ref(recordTypes.price, "price")
        : ref(recordTypes.network, "network");
    outcome.evidence.push(divergenceRecord(cycle, d, [source]));
  }
  const economics =
    marketFindings.length === 0 ? economicsFrom(observations.price.body, observations.network.body, state) : undefined;
  const marketRefs = [ref(recordTypes.price, "price"), ref(recordTypes.network, "network")];
  const fleetTotals = {
    /** Sum of the hashing miners' hashrates in MH/s (TH/s × 10^6): hashrates carry six decimals. */
    mhs: 0n,
    powerW: 0,
    revenueMsat: 0,
    revenueMicroUsd: 0,
    costMicroUsd: 0,
    miners: 0,
    /** Hashing miners left out of the totals: their margin is unknown, not $0. */
    excluded: [] as { minerId: string; reason: string }[],
  };

  for (const { seq, body } of observations.telemetry) {
    const minerId = body.minerId;
    const before = state.miners.get(minerId) ?? emptyMemory();
    const after = applyTelemetry(before, body, seq, nowMs, policy);
    const telemetryRef = ref(recordTypes.telemetry, minerId);
    const swapped = modelChangeOf(before, body);
    if (swapped) {
      const change: ModelChangeBody = {
        cycle,
        detail: `reports model ${swapped.to} where it reported ${swapped.from}: another machine at this address; its counters and low-hashrate streak start afresh, and its expected figures are the new model's`,
        from: swapped.from,
        key: minerId,
        minerId,
        to: swapped.to,
      };
      outcome.evidence.push({
        type: recordTypes.modelChange,
        key: minerId,
        body: change,
        cites: [telemetryRef],
      });
    }
    const findings = minerDivergences({ minerId, body, before, after, nowMs, policy });
    for (const d of findings) outcome.evidence.push(divergenceRecord(cycle, d, [telemetryRef]));
    const findingRefs = findings.map((d) => ref(recordTypes.divergence, divergenceKey(d)));
    const blocking = [...findings.filter((d) => d.blocking), ...marketFindings];
    const decisionId = decisionIdFor(operatorId, cycle, minerId);

    const decide = (action: Action, reason: string, detail: string, cites: Ref[]) => {
      // Bodies are built with their keys in canonical (sorted) order: see withCites.
      const decision: DecisionBody = {
        action,
        cycle,
        decidedAt,
        decisionId,
        detail,
        minerId,
        origin: "auto",
        reason,
        requestedBy: null,
      };
      outcome.decisions.push({
        type: recordTypes.decision,
        key: minerId,
        body: decision,
        cites: [telemetryRef, ...cites],
      });
      if (action !== "HOLD") planExecution(state, outcome, decision, after);
    };
    const suppress = (wanted: Action, reason: string, detail: string) => {
      const proof: NegativeProofBody = {
        cycle,
        decisionId,
        detail,
        key: `${minerId}:policy`,
        minerId,
        reason,
        stage: "policy",
        suppressed: wanted,
      };
      outcome.suppressions.push({
        type: recordTypes.negativeProof,
        key: proof.key,
        body: proof,
        cites: [ref(recordTypes.decision, minerId)],
      });
    };

    // Profit: measured for a hashing miner, nameplate ("if it ran") for one that is not; the
    // RUN/STOP rule judges the expected figures either way (see miner-profit.ts).
    let figures: MinerProfit | undefined;
    let hashing = false;
    if (body.ok) {
      const t = body.telemetry;
      const spec = findModel(t.model);
      const ths = Number(t.hashrateThs);
      const expectedThs = t.expectedThs ?? (spec ? String(spec.nameplateThs) : null);
      const expected = expectedThs === null ? 0 : Number(expectedThs);
      hashing = ths > 0 && (expected === 0 || ths >= expected * 0.05);
      // Under 5 % of its expected rate a miner counts as not hashing for the rules (a restart, not
      // a RUN/STOP verdict), but what it measures it draws and earns: its figures are measured, and
      // in the totals (decision rules 5; it was priced at nameplate "if running", $0 as it ran).
      const measuring = ths > 0;
      const impossible = findings.some((d) => d.code.startsWith("IMPOSSIBLE"));
      if (economics && !impossible) {
        figures = minerProfit(t, spec, measuring, economics);
        if (figures.known) {
          const { profit, economic } = figures;
          outcome.evidence.push({
            type: recordTypes.profit,
            key: minerId,
            body: {
              basis: figures.basis,
              costMicroUsdPerDay: profit.costMicroUsdPerDay,
              cycle,
              expectedMarginMicroUsdPerDay: economic.marginMicroUsdPerDay,
              expectedRevenueMicroUsdPerDay: economic.revenueMicroUsdPerDay,
              hashpriceMicroUsdPerThDay: profit.hashpriceMicroUsdPerThDay,
              hashrateThs: figures.hashrateThs,
              key: minerId,
              marginMicroUsdPerDay: profit.marginMicroUsdPerDay,
              minerId,
              powerW: figures.powerW,
              revenueBtcPerDay: profit.revenueBtcPerDay,
              revenueMicroUsdPerDay: profit.revenueMicroUsdPerDay,
              revenueMsatPerDay: profit.revenueMsatPerDay,
            },
            cites: [telemetryRef, ...marketRefs],
          });
          if (measuring) {
            const rational = parseDecimal(figures.hashrateThs) ?? { num: 0n, den: 1n };
            fleetTotals.mhs += floorDiv(rational.num * 1_000_000n, rational.den);
            fleetTotals.powerW += figures.powerW;
            fleetTotals.revenueMsat += profit.revenueMsatPerDay;
            fleetTotals.revenueMicroUsd += profit.revenueMicroUsdPerDay;
            fleetTotals.costMicroUsd += profit.costMicroUsdPerDay;
            fleetTotals.miners++;
          }
        } else if (measuring) {
          fleetTotals.excluded.push({ minerId, reason: figures.reason });
        }
      }
    }

    // Safety first: an answering miner over the stop temperature is stopped, whatever else holds.
    const overTemp = findings.find((d) => d.code === "OVER_TEMPERATURE");
    if (body.ok && overTemp) {
      const cites = [ref(recordTypes.divergence, divergenceKey(overTemp))];
      if (hashing)
        decide("STOP", "OVER_TEMPERATURE", `${overTemp.detail}: stopping regardless of profit and cooldown`, cites);
      else decide("HOLD", "OVER_TEMPERATURE_NOT_HASHING", `${overTemp.detail}; the miner is not hashing`, cites);
      continue;
    }

    // Evidence gate.
    if (blocking.length > 0) {
      const proof: NegativeProofBody = {
        cycle,
        decisionId: null,
        detail: blocking.map((d) => d.detail).join("; "),
        key: `${minerId}:gate`,
        minerId,
        reason: blocking.map((d) => d.code).join(","),
        stage: "gate",
        suppressed: "decision",
      };
      outcome.decisions.push({
        type: recordTypes.negativeProof,
        key: proof.key,
        body: proof,
        cites: [telemetryRef, ...blocking.map((d) => ref(recordTypes.divergence, divergenceKey(d)))],
      });
      continue;
    }

    if (!body.ok) {
      const last = after.lastGood;
      decide(
        "HOLD",
        "POLL_FAILED",
        `poll failed (${body.reason}); ${after.failedPolls} of ${policy.lostCommsPolls} before lost comms`,
        last ? [{ seq: last.seq }] : [],
      );
      continue;
    }
    if (!figures) {
      decide("HOLD", "NO_PROFIT_FIGURES", "the telemetry gives no usable hashrate for a profit figure", findingRefs);
      continue;
    }

    const t = body.telemetry;
    const warn = findings.find((d) => d.code === "TEMPERATURE_WARN");
    // With no margin there is no profit verdict (no STOP, no RUN); the restart rules do not rest
    // on profit and still apply, except that a known loss at nameplate is never restarted.
    const known = figures.known ? figures : undefined;
    const unknown = figures.known ? undefined : figures;
    const evidence = known ? [ref(recordTypes.profit, minerId), ...findingRefs] : findingRefs;
    const economic = known?.economic;
    const band = economic ? Math.floor(economic.revenueMicroUsdPerDay * policy.hysteresisFraction) : 0;
    const margin = economic?.marginMicroUsdPerDay ?? 0;
    const marginText = economic
      ? `expected margin ${usd(margin)}/day (revenue ${usd(economic.revenueMicroUsdPerDay)}, cost ${usd(economic.costMicroUsdPerDay)}, band ±${usd(band)})`
      : "";
    const unprofitable = economic !== undefined && margin < -band;
    const profitable = economic !== undefined && margin > band;

    let wanted: { action: Exclude<Action, "HOLD">; reason: string; detail: string } | undefined;
    let hold: { reason: string; detail: string } | undefined;
    if (hashing && after.latch !== null) {
      // Started again outside the controller (by hand, at the miner) while latched: it hashes, but
      // the latch still says an operator or a thermal trip wants it stopped. Acting on it (a RUN
      // verdict, a restart) would quietly undo that; only an operator's start or stop settles it
      // (decision rules 5: it was decided as if not latched).
      const why =
        after.latch === thermalLatch
          ? `stopped for OVER_TEMPERATURE (decision ${after.stoppedFor?.decisionId ?? "archived"}), a thermal stop latches`
          : `stopped by an operator's command (decision ${after.stoppedFor?.decisionId ?? "archived"})`;
      hold = {
        reason: after.latch,
        detail: `hashing again (${t.hashrateThs} TH/s) although ${why}: someone started it outside Pithead; the controller takes no action on it until an operator starts it from Pithead (clears the latch) or stops it again${marginText ? `; ${marginText}` : ""}`,
      };
    } else if (hashing) {
      if (unprofitable)
        wanted = { action: "STOP", reason: "UNPROFITABLE", detail: `${marginText} is below break-even minus the band` };
      else if (after.lowCycles >= policy.underperformCycles) {
        wanted = {
          action: "RESTART",
          reason: "UNDERPERFORMING",
          detail: `${t.hashrateThs} TH/s is under ${policy.underperformFraction * 100} % of expected ${t.expectedThs} TH/s for ${after.lowCycles} cycles`,
        };
      } else if (unknown)
        hold = {
          reason: unknown.reason,
          detail: `${unknown.detail}; until then no profit verdict (no STOP for a loss)`,
        };
      else if (profitable) hold = { reason: "RUNNING_PROFITABLY", detail: marginText };
      else
        hold = {
          reason: "WITHIN_HYSTERESIS",
          detail: `${marginText} is inside the band around break-even: keep running`,
        };
    } else if (after.latch === thermalLatch) {
      // A thermal stop latches: started again as soon as it cooled, a miner that overheats trips
      // again at every warm-up. Only an operator clears it (a start or restart that goes through).
      hold = {
        reason: thermalLatch,
        detail: `stopped for OVER_TEMPERATURE (decision ${after.stoppedFor?.decisionId ?? "archived"}); a thermal stop latches: the controller does not start it again until an operator starts (or restarts) it`,
      };
    } else if (after.latch === operatorLatch) {
      // So does an operator's stop, whatever the margin: automation must not undo a maintenance stop.
      hold = {
        reason: operatorLatch,
        detail: `stopped by an operator's command (decision ${after.stoppedFor?.decisionId ?? "archived"}); the controller does not start it again until an operator starts (or restarts) it${marginText ? `; ${marginText}` : ""}`,
      };
    } else if (after.stoppedByController) {
      if (unknown)
        hold = {
          reason: unknown.reason,
          detail: `stopped by the controller; ${unknown.detail}; it stays stopped until its margin is known`,
        };
      else if (profitable && !warn)
        wanted = {
          action: "RUN",
          reason: "PROFITABLE_AGAIN",
          detail: `${marginText} is above break-even plus the band`,
        };
      else if (profitable && warn)
        hold = { reason: "TEMPERATURE_WARN", detail: `profitable again but ${warn.detail}: not starting yet` };
      else hold = { reason: "STOPPED_UNPROFITABLE", detail: `${marginText}: stay stopped` };
    } else if (unprofitable) {
      hold = {
        reason: "NOT_HASHING_UNPROFITABLE",
        detail: `not hashing, and at ${marginText} it would not pay: no restart`,
      };
    } else if (after.lowCycles >= policy.underperformCycles) {
      wanted = {
        action: "RESTART",
        reason: "NOT_HASHING",
        detail: `the API answers but nothing hashes (${t.hashrateThs} TH/s) for ${after.lowCycles} cycles${unknown ? ` (${unknown.detail})` : ""}`,
      };
    } else {
      hold = {
        reason: "NOT_HASHING",
        detail: `${notHashingCountdown(state, after, policy, nowMs)}${unknown ? `; ${unknown.detail}` : ""}`,
      };
    }

    if (wanted) {
      const sinceAction = after.lastActionAtMs === null ? Number.POSITIVE_INFINITY : nowMs - after.lastActionAtMs;
      const restartsLastHour = after.restartsAtMs.filter((at) => nowMs - at < 3_600_000).length;
      if (sinceAction < policy.cooldownMs) {
        decide(
          "HOLD",
          "COOLDOWN",
          `${wanted.action} wanted (${wanted.reason}) but the last action was ${Math.round(sinceAction / 1000)} s ago (cooldown ${Math.round(policy.cooldownMs / 1000)} s)`,
          evidence,
        );
        suppress(wanted.action, "COOLDOWN", wanted.detail);
      } else if (wanted.action === "RESTART" && restartsLastHour >= policy.maxRestartsPerHour) {
        decide(
          "HOLD",
          "RESTART_CAP",
          `RESTART wanted (${wanted.reason}) but ${restartsLastHour} restarts in the last hour reach the cap of ${policy.maxRestartsPerHour}`,
          evidence,
        );
        suppress("RESTART", "RESTART_CAP", wanted.detail);
      } else decide(wanted.action, wanted.reason, wanted.detail, evidence);
    } else if (hold) decide("HOLD", hold.reason, hold.detail, evidence);
  }

  const hashprice = economics ? hashpriceOf(economics) : undefined;
  if (economics && hashprice !== undefined) {
    const profit: ProfitBody = {
      cycle,
      key: "fleet",
      minerId: null,
      basis: "fleet",
      hashrateThs: formatScaled(fleetTotals.mhs, 6),
      powerW: fleetTotals.powerW,
      revenueMsatPerDay: fleetTotals.revenueMsat,
      revenueBtcPerDay: formatRational({ num: BigInt(fleetTotals.revenueMsat), den: 100_000_000_000n }, 11),
      revenueMicroUsdPerDay: fleetTotals.revenueMicroUsd,
      costMicroUsdPerDay: fleetTotals.costMicroUsd,
      marginMicroUsdPerDay: fleetTotals.revenueMicroUsd - fleetTotals.costMicroUsd,
      hashpriceMicroUsdPerThDay: hashprice,
      expectedRevenueMicroUsdPerDay: null,
      expectedMarginMicroUsdPerDay: null,
      ...(fleetTotals.excluded.length > 0 ? { excludedMiners: fleetTotals.excluded } : {}),
    };
    outcome.decisions.push({ type: recordTypes.profit, key: "fleet", body: profit, cites: marketRefs });
  }
  return outcome;
}

/** The hashprice for the fleet record; none (and no fleet record) if the figures cannot give one. */
function hashpriceOf(economics: Economics): number | undefined {
  try {
    return computeProfit("1", 0, economics).hashpriceMicroUsdPerThDay;
  } catch {
    return undefined;
  }
}

/**
 * How far a miner that answers but hashes nothing is from a restart, and whether that restart
 * could happen at all: it is never promised where the firmware, the mode or the cap rules it out.
 */
function notHashingCountdown(state: FleetState, memory: MinerMemory, policy: Policy, nowMs: number): string {
  const counted = `not hashing for ${memory.lowCycles} of ${policy.underperformCycles} cycles`;
  const verdict = executionVerdict(state, { action: "RESTART", origin: "auto" }, memory, nowMs);
  if (!verdict.dispatch) return `${counted}; a RESTART would then be decided but not carried out: ${verdict.detail}`;
  if (policy.maxRestartsPerHour === 0)
    return `${counted}; a RESTART would then be decided but restarts are capped at 0 per hour (MAX_RESTARTS_PER_HOUR)`;
  return `${counted} before a restart`;
}

function divergenceRecord(cycle: number, d: Divergence, cites: Ref[]): Planned {
  const key = divergenceKey(d);
  return { type: recordTypes.divergence, key, body: { cycle, key, ...d }, cites };
}

/**
 * The execution surface's gate, pure: MANUAL mode suppresses every automatic action, dry-run
 * suppresses everything, and an action the firmware cannot do is recorded as such, never faked.
 */
export function executionVerdict(
  state: Pick<FleetState, "mode" | "dryRun">,
  decision: Pick<DecisionBody, "action" | "origin">,
  memory: Pick<MinerMemory, "family" | "devices">,
  nowMs: number,
): { dispatch: true } | { dispatch: false; reason: string; detail: string } {
  if (decision.action === "HOLD") return { dispatch: false, reason: "HOLD", detail: "nothing to do" };
  if (decision.origin === "auto" && state.mode === "MANUAL") {
    return {
      dispatch: false,
      reason: "MANUAL_MODE",
      detail: `the operator is in MANUAL mode: automatic ${decision.action} suppressed, adapter not called`,
    };
  }
  if (state.dryRun)
    return { dispatch: false, reason: "DRY_RUN", detail: `dry-run: ${decision.action} decided but not dispatched` };
  // Not "unsupported": nothing is known yet of what the firmware can do (no poll has succeeded).
  if (memory.family === "unknown")
    return {
      dispatch: false,
      reason: "FIRMWARE_UNKNOWN",
      detail: `the miner's firmware is not identified yet (no successful poll is recorded): ${decision.action} not sent; run a cycle first (the loop's next one, or /loop/run-once) and send it again`,
    };
  const plan = planAction(memory.family, decision.action, { devices: memory.devices, nowMs });
  if (!plan.supported) return { dispatch: false, reason: "UNSUPPORTED_BY_FIRMWARE", detail: plan.why };
  return { dispatch: true };
}

function planExecution(state: FleetState, outcome: CycleOutcome, decision: DecisionBody, memory: MinerMemory): void {
  const nowMs = Date.parse(decision.decidedAt);
  const verdict = executionVerdict(state, decision, memory, nowMs);
  if (verdict.dispatch) {
    outcome.dispatch.push({
      decisionId: decision.decisionId,
      minerId: decision.minerId,
      action: decision.action as Exclude<Action, "HOLD">,
      family: memory.family,
      devices: memory.devices,
    });
    return;
  }
  const proof: NegativeProofBody = {
    cycle: decision.cycle,
    decisionId: decision.decisionId,
    detail: verdict.detail,
    key: `${decision.minerId}:execution`,
    minerId: decision.minerId,
    reason: verdict.reason,
    stage: "execution",
    suppressed: decision.action,
  };
  outcome.suppressions.push({
    type: recordTypes.negativeProof,
    key: proof.key,
    body: proof,
    cites: [{ type: recordTypes.decision, key: decision.minerId }],
  });
}
