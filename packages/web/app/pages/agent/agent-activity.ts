// What the agent did for the network since this page opened, from successive reads of its
// counters: totals and rates per endpoint, answers by class (2xx/4xx/5xx, with the refusals an
// operator acts on: key refused, invalid input, rate limited), latency quantiles, and the errors
// that appeared between two reads. Pure: the shell passes each read and the time it was taken.
// A new process start time, or a counter that went down, means the agent restarted: what was
// counted before is kept, and the new process's counters count from zero.

import {
  addTraffic,
  bucketQuantile,
  type EndpointTraffic,
  type Quantile,
  type Traffic,
  trafficBetween,
} from "./agent-traffic.ts";

/** The routes the Activity panel itself reads every few seconds: not the network's traffic. */
export const PANEL_ROUTES: ReadonlySet<string> = new Set(["/metrics", "/health"]);

/** How many recent errors are kept (newest first). */
export const RECENT_ERRORS_KEPT = 20;

export interface RecentError {
  /** When the read that first saw it was taken (ms since the epoch): it happened since the read before. */
  at: number;
  method: string;
  route: string;
  status: number;
  count: number;
}

export interface ActivityState {
  openedAt: number;
  /** The counters when this page first read them (zero after a restart). */
  baseline: Traffic;
  /** What was counted since the page opened by agent processes that have since restarted. */
  carried: Traffic;
  last: Traffic;
  lastAt: number;
  /** The agent process's start time at the last read, when its metrics say. */
  startedAt: number | undefined;
  restarts: number;
  recentErrors: readonly RecentError[];
}

/** One read of the agent's counters. */
export interface CountersRead {
  traffic: Traffic;
  startedAt: number | undefined;
}

export function startActivity(first: CountersRead, now: number): ActivityState {
  return {
    openedAt: now,
    baseline: first.traffic,
    carried: new Map(),
    last: first.traffic,
    lastAt: now,
    startedAt: first.startedAt,
    restarts: 0,
    recentErrors: [],
  };
}

const EMPTY: Traffic = new Map();

function errorsIn(delta: Traffic, at: number): RecentError[] {
  const found: RecentError[] = [];
  for (const endpoint of delta.values()) {
    if (PANEL_ROUTES.has(endpoint.route)) continue;
    for (const [status, count] of Object.entries(endpoint.statuses)) {
      const code = Number(status);
      if (code >= 400 && count > 0)
        found.push({ at, method: endpoint.method, route: endpoint.route, status: code, count });
    }
  }
  // Server errors first within one read: they are the agent's fault, the rest the caller's.
  return found.sort((a, b) => b.status - a.status || b.count - a.count);
}

/** The state after one more read of the counters, taken at `now`. */
export function observeActivity(state: ActivityState, read: CountersRead, now: number): ActivityState {
  const sameProcess =
    state.startedAt === undefined || read.startedAt === undefined || state.startedAt === read.startedAt;
  const sinceLast = sameProcess ? trafficBetween(state.last, read.traffic) : undefined;
  if (sinceLast) {
    const recentErrors = [...errorsIn(sinceLast, now), ...state.recentErrors].slice(0, RECENT_ERRORS_KEPT);
    return { ...state, last: read.traffic, lastAt: now, startedAt: read.startedAt, recentErrors };
  }
  // Restarted: keep what the old process counted since the page opened; the new one started at zero.
  const before = trafficBetween(state.baseline, state.last) ?? EMPTY;
  const recentErrors = [...errorsIn(read.traffic, now), ...state.recentErrors].slice(0, RECENT_ERRORS_KEPT);
  return {
    ...state,
    carried: addTraffic(state.carried, before),
    baseline: EMPTY,
    last: read.traffic,
    lastAt: now,
    startedAt: read.startedAt,
    restarts: state.restarts + 1,
    recentErrors,
  };
}

export interface EndpointActivity {
  method: string;
  route: string;
  requests: number;
  /** Answers by class. */
  ok: number;
  clientErrors: number;
  serverErrors: number;
  /** Among the client errors: missing or wrong key (401/403), invalid input (400/404/405/413/415/422), 429. */
  keyRefused: number;
  invalid: number;
  limited: number;
  /** Requests a minute since the page opened; null before any time has passed. */
  perMinute: number | null;
  p50: Quantile | null;
  p95: Quantile | null;
}

export interface ActivitySummary {
  since: number;
  at: number;
  restarts: number;
  total: EndpointActivity;
  /** Endpoints that answered anything since the page opened, busiest first. */
  endpoints: EndpointActivity[];
  recentErrors: readonly RecentError[];
}

const INVALID = new Set([400, 404, 405, 413, 415, 422]);

function summarizeEndpoint(traffic: EndpointTraffic, elapsedMs: number): EndpointActivity {
  let requests = 0;
  let ok = 0;
  let clientErrors = 0;
  let serverErrors = 0;
  let keyRefused = 0;
  let invalid = 0;
  let limited = 0;
  for (const [status, count] of Object.entries(traffic.statuses)) {
    const code = Number(status);
    requests += count;
    if (code >= 200 && code < 300) ok += count;
    else if (code >= 500) serverErrors += count;
    else if (code >= 400) {
      clientErrors += count;
      if (code === 401 || code === 403) keyRefused += count;
      else if (code === 429) limited += count;
      else if (INVALID.has(code)) invalid += count;
    }
  }
  return {
    method: traffic.method,
    route: traffic.route,
    requests,
    ok,
    clientErrors,
    serverErrors,
    keyRefused,
    invalid,
    limited,
    perMinute: elapsedMs >= 1000 ? (requests * 60_000) / elapsedMs : null,
    p50: bucketQuantile(0.5, traffic.buckets),
    p95: bucketQuantile(0.95, traffic.buckets),
  };
}

export function summarizeActivity(state: ActivityState): ActivitySummary {
  const since = addTraffic(state.carried, trafficBetween(state.baseline, state.last) ?? EMPTY);
  const elapsedMs = state.lastAt - state.openedAt;
  const network = [...since.values()].filter((endpoint) => !PANEL_ROUTES.has(endpoint.route));
  const endpoints = network
    .map((endpoint) => summarizeEndpoint(endpoint, elapsedMs))
    .filter((endpoint) => endpoint.requests > 0)
    .sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route) || a.method.localeCompare(b.method));
  // Every endpoint shares the kit's bucket bounds, so their buckets add up into the whole agent's.
  const all = network.reduce<Traffic>(
    (sum, endpoint) => addTraffic(sum, new Map([["all", { ...endpoint, method: "", route: "all" }]])),
    EMPTY,
  );
  const total = summarizeEndpoint(all.get("all") ?? { method: "", route: "all", statuses: {}, buckets: [] }, elapsedMs);
  return {
    since: state.openedAt,
    at: state.lastAt,
    restarts: state.restarts,
    total,
    endpoints,
    recentErrors: state.recentErrors,
  };
}
