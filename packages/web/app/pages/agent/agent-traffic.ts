// The agent's request counters as @pithead/http's metrics write them: `<prefix>_http_requests_total`
// {method, route, status} and the latency histogram `<prefix>_http_request_duration_seconds_bucket`
// {method, route, le}, read per endpoint (method + route pattern), and the arithmetic on them:
// what was counted between two reads, and a quantile from histogram buckets.

import type { Sample } from "./prometheus-text.ts";

export interface EndpointTraffic {
  method: string;
  route: string;
  /** HTTP status → requests answered with it. */
  statuses: Readonly<Record<string, number>>;
  /** Cumulative latency buckets (seconds), by upper bound ascending; the last is +Inf. */
  buckets: readonly { le: number; count: number }[];
}

/** Endpoint key ("POST /complete") → its counters. */
export type Traffic = ReadonlyMap<string, EndpointTraffic>;

const REQUESTS = /_http_requests_total$/;
const LATENCY = /_http_request_duration_seconds_bucket$/;

const keyOf = (method: string, route: string) => `${method} ${route}`;

export function readTraffic(samples: readonly Sample[]): Traffic {
  const statuses = new Map<string, Record<string, number>>();
  const buckets = new Map<string, Map<number, number>>();
  const endpoints = new Map<string, { method: string; route: string }>();
  for (const sample of samples) {
    const { method, route } = sample.labels;
    if (method === undefined || route === undefined || !Number.isFinite(sample.value)) continue;
    const key = keyOf(method, route);
    if (REQUESTS.test(sample.name) && sample.labels.status !== undefined) {
      endpoints.set(key, { method, route });
      const byStatus = statuses.get(key) ?? {};
      byStatus[sample.labels.status] = (byStatus[sample.labels.status] ?? 0) + sample.value;
      statuses.set(key, byStatus);
    } else if (LATENCY.test(sample.name) && sample.labels.le !== undefined) {
      const le = sample.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
      if (Number.isNaN(le)) continue;
      endpoints.set(key, { method, route });
      const byBound = buckets.get(key) ?? new Map<number, number>();
      byBound.set(le, sample.value);
      buckets.set(key, byBound);
    }
  }
  const traffic = new Map<string, EndpointTraffic>();
  for (const [key, { method, route }] of endpoints) {
    const bounds = [...(buckets.get(key) ?? new Map<number, number>()).entries()]
      .map(([le, count]) => ({ le, count }))
      .sort((a, b) => a.le - b.le);
    traffic.set(key, { method, route, statuses: statuses.get(key) ?? {}, buckets: bounds });
  }
  return traffic;
}

/** When the agent's process started (prom-client's process_start_time_seconds), if it says. */
export function readStartTime(samples: readonly Sample[]): number | undefined {
  const sample = samples.find((one) => /(^|_)process_start_time_seconds$/.test(one.name));
  return sample && Number.isFinite(sample.value) ? sample.value : undefined;
}

/** `later − earlier` per endpoint; undefined when any counter went down (the agent restarted). */
export function trafficBetween(earlier: Traffic, later: Traffic): Traffic | undefined {
  const out = new Map<string, EndpointTraffic>();
  for (const [key, now] of later) {
    const before = earlier.get(key);
    const statuses: Record<string, number> = {};
    for (const [status, count] of Object.entries(now.statuses)) {
      const delta = count - (before?.statuses[status] ?? 0);
      if (delta < 0) return undefined;
      if (delta > 0) statuses[status] = delta;
    }
    const beforeBuckets = new Map(before?.buckets.map((bucket) => [bucket.le, bucket.count]));
    const buckets: { le: number; count: number }[] = [];
    for (const bucket of now.buckets) {
      const delta = bucket.count - (beforeBuckets.get(bucket.le) ?? 0);
      if (delta < 0) return undefined;
      buckets.push({ le: bucket.le, count: delta });
    }
    out.set(key, { method: now.method, route: now.route, statuses, buckets });
  }
  // A series that vanished was reset too (a restarted agent has not seen that endpoint yet).
  for (const [key, before] of earlier) {
    if (out.has(key)) continue;
    if (Object.values(before.statuses).some((count) => count > 0)) return undefined;
  }
  return out;
}

/** `a + b` per endpoint (what was counted before a restart, plus what was counted since). */
export function addTraffic(a: Traffic, b: Traffic): Traffic {
  const out = new Map<string, EndpointTraffic>(a);
  for (const [key, more] of b) {
    const base = out.get(key);
    if (!base) {
      out.set(key, more);
      continue;
    }
    const statuses: Record<string, number> = { ...base.statuses };
    for (const [status, count] of Object.entries(more.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
    const sums = new Map(base.buckets.map((bucket) => [bucket.le, bucket.count]));
    for (const bucket of more.buckets) sums.set(bucket.le, (sums.get(bucket.le) ?? 0) + bucket.count);
    const buckets = [...sums.entries()].map(([le, count]) => ({ le, count })).sort((x, y) => x.le - y.le);
    out.set(key, { method: base.method, route: base.route, statuses, buckets });
  }
  return out;
}

export interface Quantile {
  seconds: number;
  /** The quantile lies past the histogram's last finite bound: `seconds` is that bound, a floor. */
  atLeast: boolean;
}

/**
 * The q-quantile of cumulative buckets, interpolated linearly inside its bucket as Prometheus's
 * histogram_quantile does; null without observations.
 */
export function bucketQuantile(q: number, buckets: readonly { le: number; count: number }[]): Quantile | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank && bucket.count > lowerCount) {
      if (bucket.le === Number.POSITIVE_INFINITY) return { seconds: lowerBound, atLeast: true };
      const fraction = (rank - lowerCount) / (bucket.count - lowerCount);
      return { seconds: lowerBound + (bucket.le - lowerBound) * fraction, atLeast: false };
    }
    if (bucket.le !== Number.POSITIVE_INFINITY) lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return { seconds: lowerBound, atLeast: true };
}
