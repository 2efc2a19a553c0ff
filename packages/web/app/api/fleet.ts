// The fleet controller's API as the dashboard uses it: every call signed in the browser with
// the operator's secret (Web Crypto HMAC-SHA256 through the fleet's own browser-safe helper), over
// the path the fleet sees (the proxy forwards /svc/fleet/<path> as <path>, byte for byte).
//
// The answers' types are written out here rather than imported: the fleet's views are inferred from
// its server code (packages/fleet/src/api/views.ts), which a browser build cannot type-check, and
// @pithead/fleet exports no types of them. They follow GET /operators/:id/miners as the controller
// answers it; a field a controller from before it may leave out is optional.

import { signFleetRequest } from "@pithead/fleet/sign";
import type { FleetCredential } from "../session/connections.ts";
import { ApiError, type CallOptions, callJson, callRaw, serviceUrl } from "./http.ts";

export type Mode = "AUTO" | "MANUAL";

/** What the fleet's public /health says of each operator (its fleet is behind the operator's signature). */
export interface OperatorHealth {
  id: string;
  label: string;
}

export interface FleetMiner {
  id: string;
  host: string | null;
  port: number | null;
  model: string | null;
  firmware?: { family: string; name: string | null; version: string | null } | null;
  status: "ok" | "failed" | "unknown";
  error: string | null;
  /** The cycle the telemetry is from. */
  cycle: number | null;
  hashrateThs: string | number | null;
  expectedThs: string | number | null;
  maxChipTempC: number | null;
  maxBoardTempC: number | null;
  /** Against the operator's tempWarnC / tempStopC. */
  temperature: "ok" | "warn" | "stop" | null;
  powerW: number | null;
  powerSource: string | null;
  fansRpm: number[];
  uptimeS: number | null;
  /** What the miner's own status said was wrong (a failing chip, a dead fan). */
  problems?: string[];
  /** The latest cycle as it ran ($0 when not hashing) and, apart, what it would earn if running. */
  margin: {
    cycle: number;
    hashing: boolean;
    revenueUsdPerDay: number;
    costUsdPerDay: number;
    marginUsdPerDay: number;
    ifRunningMarginUsdPerDay: number | null;
  } | null;
  /**
   * The evidence gate held the miner in its latest cycle (lost comms, stale telemetry, an impossible
   * reading, unusable market data): no decision was made in it, so `lastDecision` is an older one.
   * `reason` lists the blocking codes ("LOST_COMMS,STALE_PRICE"), `detail` says each.
   */
  gate?: { cycle: number; seq: number; reason: string; detail: string } | null;
  lastDecision: {
    seq: number;
    decisionId?: string;
    action: string;
    reason: string;
    detail: string;
    at: string;
    /** Set when the action was suppressed (MANUAL mode, dry run, firmware cannot, cooldown…). */
    notCarriedOut: { seq: number; stage: string; reason: string; detail: string } | null;
    receipt: { seq: number; status: "ok" | "failed"; effect: string | null; error: string | null } | null;
  } | null;
  failedPolls: number;
  stoppedByController: boolean;
  /** Why (the STOP's reason code and decision id); null when not stopped, or when no record says. */
  stoppedFor: { reason: string; decisionId: string | null } | null;
  /** A stop only an operator's start (or restart) clears: a thermal one, or the operator's own. */
  latch: "THERMAL_LATCH" | "STOPPED_BY_OPERATOR" | null;
}

/** A miner the money totals leave out (an unknown margin is not a $0 cost), and what it still counts in. */
export interface ExcludedMiner {
  minerId: string;
  /** Why: NOT_POLLED, POLL_FAILED, MARGIN_UNKNOWN, a gate's codes… */
  reason: string;
  inHashrate: boolean;
  inPower: boolean;
}

export interface FleetTotals {
  /** The cycle they are from: an older one than `lastCycle` when the latest had no totals. */
  cycle: number;
  /** The clock of that cycle. */
  at?: string | null;
  /** False: the latest cycle has no totals of its own (its market data was unusable). */
  current?: boolean;
  /** Whether the latest cycle's market data was usable. */
  marketUsable?: boolean;
  hashrateThs: string | number;
  powerW: number;
  revenueUsdPerDay: number;
  costUsdPerDay: number;
  marginUsdPerDay: number;
  hashpriceUsdPerThDay: number;
  excludedMiners?: ExcludedMiner[];
}

export interface LastCycle {
  cycleSeq: number;
  now: string;
  polled: { ok: number; failed: number };
  /** The cycle ran before the controller (re)started: its figures are read from its records. */
  fromLedger: boolean;
  /** Miners the evidence gate held in the cycle, by divergence code (one miner can count under two). */
  gated?: Record<string, number>;
  marketUsable?: boolean;
  /** What made the cycle's market data unusable (stale, implausible, dated ahead). */
  marketProblems?: { code: string; detail: string }[];
}

/** A fleet-wide condition as the controller says it (its fleet-conditions.ts, the ones its log warns of). */
export interface FleetCondition {
  /** Stable across cycles: "polls-failed", "price-source", "gate:STALE_PRICE", … */
  code: string;
  severity: "warn";
  /** When the first cycle that showed it ran; null: not known (read back after a restart). */
  since: string | null;
  /** Consecutive cycles that showed it; null: not known. */
  cycles: number | null;
  count: number;
  /** The fleet's size; null for a market source. */
  of: number | null;
  text: string;
  /** Up to five miner ids it concerns. */
  examples: string[];
}

export interface FleetView {
  operatorId: string;
  label: string;
  mode: Mode;
  dryRun: boolean;
  cycleRunning: boolean;
  lastCycle: LastCycle | null;
  /**
   * What the latest cycle shows going wrong fleet-wide, in the controller's words; absent from an
   * older controller's answer (the page then works them out from the rows).
   */
  conditions?: FleetCondition[];
  /** Set when the controller read its conditions back after a restart: what it cannot know then. */
  conditionsNote?: string | null;
  totals: FleetTotals | null;
  /** Every miner of the operator; `miners` is all of them unless the fleet is over the page size. */
  count: number;
  miners: FleetMiner[];
}

export interface HistoryPoint {
  cycle: number;
  at: string;
  ok: boolean;
  hashrateThs: number | null;
  expectedThs: number | null;
  maxChipTempC: number | null;
  powerW: number | null;
  /** As it ran: $0 while not hashing. */
  marginUsdPerDay: number | null;
  /** What it would earn if running. */
  ifRunningMarginUsdPerDay: number | null;
  action: string | null;
}

export interface CycleReport {
  cycleSeq: number;
  mode: Mode;
  miners: number;
  polled: { ok: number; failed: number };
  decisions: { minerId: string; action: string; reason: string; detail: string }[];
  negativeProofs: { minerId: string; stage: string; suppressed: string; reason: string }[];
  receipts: { minerId: string; action: string; status: string; detail: string }[];
  divergences: number;
  records: number;
}

export interface FleetRecord<Body = Record<string, unknown>> {
  seq: number;
  type: string;
  at: string;
  body: Body;
  prev: string;
  hash: string;
}

export interface DecisionBody {
  cycle: number | null;
  decisionId: string;
  minerId: string;
  action: string;
  reason: string;
  detail: string;
  origin: "auto" | "manual";
  requestedBy: string | null;
}

export interface CycleBody {
  now: string;
  mode: Mode;
  miners: number;
}

export interface ProfitBody {
  cycle: number;
  /** null: the fleet's totals. */
  minerId: string | null;
  /** "measured": the miner hashed; "nameplate": it did not, and the figures are what it would do if running. */
  basis: "measured" | "nameplate" | "fleet";
  marginMicroUsdPerDay: number;
  expectedMarginMicroUsdPerDay: number | null;
}

export interface NegativeProofBody {
  cycle: number | null;
  minerId: string;
  stage: string;
  suppressed: string;
  reason: string;
  detail: string;
  decisionId: string | null;
}

async function signed(
  operator: FleetCredential,
  method: string,
  path: string,
  options: Omit<CallOptions, "method" | "body"> & { body?: unknown; idempotencyKey?: string } = {},
): Promise<Response> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers = await signFleetRequest({
    operatorId: operator.id,
    secret: operator.secret,
    method,
    path,
    body,
    ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
  });
  return callRaw("fleet", serviceUrl("fleet", path), {
    method,
    body,
    signal: options.signal,
    headers: { ...options.headers, ...headers },
  });
}

async function signedJson<T>(
  operator: FleetCredential,
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  return (await (await signed(operator, method, path, { body, signal })).json()) as T;
}

export interface CommandAnswer {
  decisionId: string;
  /** True when the answer is a retried key's first result. */
  replayed: boolean;
  outcome: { kind: "receipt" | "negative-proof"; body: { status?: string; detail?: string; reason?: string } };
}

/** A command whose answer was lost is sent again (same key) this many times in all. */
const COMMAND_ATTEMPTS = 3;
/** No answer (0), or the proxy found the controller unreachable: the command may have run. */
const retriedStatuses = new Set([0, 502, 503, 504]);

const scoped = (operator: FleetCredential, path: string) => `/operators/${encodeURIComponent(operator.id)}${path}`;

export const fleet = {
  /** Public: the operators this controller governs. */
  health: (signal?: AbortSignal) =>
    callJson<{ status: string; version?: string; commit?: string; auth?: string; operators?: OperatorHealth[] }>(
      "fleet",
      serviceUrl("fleet", "/health"),
      {
        signal,
      },
    ),
  miners: (op: FleetCredential, signal?: AbortSignal) =>
    signedJson<FleetView>(op, "GET", scoped(op, "/miners"), undefined, signal),
  history: (op: FleetCredential, minerId: string, limit: number, signal?: AbortSignal) =>
    signedJson<{ minerId: string; points: HistoryPoint[] }>(
      op,
      "GET",
      scoped(op, `/miners/${encodeURIComponent(minerId)}/history?limit=${limit}`),
      undefined,
      signal,
    ),
  runCycle: (op: FleetCredential) => signedJson<CycleReport>(op, "POST", scoped(op, "/loop/run-once?details=false")),
  setMode: (op: FleetCredential, mode: Mode) =>
    signedJson<{ mode: Mode }>(op, "POST", scoped(op, "/mode"), { mode, reason: "switched on the dashboard" }),
  /**
   * A manual command, with one Idempotency-Key per user action: a retry after the answer was lost
   * (the network, or the proxy answering 502–504) sends the same key, so the controller answers with
   * the first result instead of acting twice.
   */
  command: async (
    op: FleetCredential,
    minerId: string,
    verb: "start" | "stop" | "restart",
    idempotencyKey = `dashboard-${crypto.randomUUID()}`,
  ): Promise<CommandAnswer> => {
    const path = scoped(op, `/miners/${encodeURIComponent(minerId)}/${verb}`);
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await signed(op, "POST", path, { body: { reason: "from the dashboard" }, idempotencyKey });
        return (await response.json()) as CommandAnswer;
      } catch (error) {
        const status = error instanceof ApiError ? error.status : -1;
        if (attempt >= COMMAND_ATTEMPTS || !retriedStatuses.has(status)) throw error;
      }
    }
  },
  /**
   * One page of a record type, newest first; `before` pages back (records with seq < before),
   * `after` reads only what is newer (the previous answer's `nextAfter`), `action` (decisions only)
   * lists only those actions.
   */
  list: <Body>(
    op: FleetCredential,
    list: "decisions" | "negative-proofs" | "receipts" | "profits" | "cycles",
    limit: number,
    signal?: AbortSignal,
    before?: number,
    filter: { after?: number; action?: string[] } = {},
  ) => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before !== undefined) query.set("before", String(before));
    if (filter.after !== undefined) query.set("after", String(filter.after));
    if (filter.action) query.set("action", filter.action.join(","));
    return signedJson<{ records: FleetRecord<Body>[]; nextBefore: number | null; nextAfter: number | null }>(
      op,
      "GET",
      // The commas of `action` as they are: the path is signed as sent.
      scoped(op, `/ledger/${list}?${query.toString().replaceAll("%2C", ",")}`),
      undefined,
      signal,
    );
  },
  status: (op: FleetCredential, signal?: AbortSignal) =>
    signedJson<{
      partition: string;
      size: number;
      checkpoint: { size: number; rootHash: string; note: string; signedAt: string } | null;
      verifierKey: string | null;
      treeHead?: { size: number; rootHash: string };
    }>(op, "GET", scoped(op, "/ledger/status"), undefined, signal),
  serverVerify: (op: FleetCredential, signal?: AbortSignal) =>
    signedJson<{ ok: boolean; records: number; checkpoints: number; firstBad?: { seq: number; reason: string } }>(
      op,
      "GET",
      scoped(op, "/ledger/verify"),
      undefined,
      signal,
    ),
  records: (op: FleetCredential, query: string, signal?: AbortSignal) =>
    signedJson<{ records: FleetRecord[]; next: number | null; archivedBelow?: number }>(
      op,
      "GET",
      scoped(op, `/ledger/records?${query}`),
      undefined,
      signal,
    ),
  record: (op: FleetCredential, seq: number, signal?: AbortSignal) =>
    signedJson<unknown>(op, "GET", scoped(op, `/ledger/records/${seq}`), undefined, signal),
  checkpoint: (op: FleetCredential, signal?: AbortSignal) =>
    signedJson<unknown>(op, "GET", scoped(op, "/ledger/checkpoint"), undefined, signal),
  exportLedger: (op: FleetCredential, signal?: AbortSignal) =>
    signed(op, "GET", scoped(op, "/ledger/export"), { signal, headers: { accept: "application/x-ndjson" } }),
};
