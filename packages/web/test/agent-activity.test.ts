// The Agent page's Activity panel, its pure core: the agent's /metrics text read leniently, its
// request counters per endpoint, and what changed since the page opened (totals, classes, rates,
// latency quantiles, recent errors, restarts).
import { describe, expect, it } from "vitest";
import { formatLatency } from "../app/pages/agent/activity-format.ts";
import { observeActivity, startActivity, summarizeActivity } from "../app/pages/agent/agent-activity.ts";
import { bucketQuantile, readStartTime, readTraffic } from "../app/pages/agent/agent-traffic.ts";
import { parsePrometheusText, parseSampleValue } from "../app/pages/agent/prometheus-text.ts";

const BOUNDS = [
  "0.001",
  "0.0025",
  "0.005",
  "0.01",
  "0.025",
  "0.05",
  "0.1",
  "0.25",
  "0.5",
  "1",
  "2.5",
  "10",
  "30",
  "+Inf",
];

/** The agent's /metrics as prom-client writes it: `statuses` per endpoint, `latencies` in seconds. */
function agentMetrics(
  endpoints: { method: string; route: string; statuses: Record<string, number>; latencies: number[] }[],
  startedAt = 1795423110,
): string {
  const lines = [
    "# HELP pithead_agent_process_start_time_seconds Start time of the process since unix epoch in seconds.",
    "# TYPE pithead_agent_process_start_time_seconds gauge",
    `pithead_agent_process_start_time_seconds ${startedAt}`,
    "",
    "# HELP pithead_agent_http_requests_total HTTP requests by method, route and status",
    "# TYPE pithead_agent_http_requests_total counter",
  ];
  for (const { method, route, statuses } of endpoints) {
    for (const [status, count] of Object.entries(statuses)) {
      lines.push(`pithead_agent_http_requests_total{method="${method}",route="${route}",status="${status}"} ${count}`);
    }
  }
  lines.push("", "# TYPE pithead_agent_http_request_duration_seconds histogram");
  for (const { method, route, latencies } of endpoints) {
    for (const le of BOUNDS) {
      const count = latencies.filter((seconds) => le === "+Inf" || seconds <= Number(le)).length;
      lines.push(
        `pithead_agent_http_request_duration_seconds_bucket{le="${le}",method="${method}",route="${route}"} ${count}`,
      );
    }
    const sum = latencies.reduce((a, b) => a + b, 0);
    lines.push(`pithead_agent_http_request_duration_seconds_sum{method="${method}",route="${route}"} ${sum}`);
    lines.push(
      `pithead_agent_http_request_duration_seconds_count{method="${method}",route="${route}"} ${latencies.length}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

const counters = (text: string) => {
  const { samples } = parsePrometheusText(text);
  return { traffic: readTraffic(samples), startedAt: readStartTime(samples) };
};

describe("reading the Prometheus text format", () => {
  it("reads names, labels (with escapes), values and types, and ignores timestamps", () => {
    const parsed = parsePrometheusText(
      [
        "# HELP up Whether it is up",
        "# TYPE up gauge",
        "up 1",
        'odd{path="C:\\\\dir",quote="say \\"hi\\"",line="a\\nb",} 2.5e3 1700000000000',
        '  spaced { a = "1" , b="" }   -Inf  ',
        'nan_metric{x="y"} NaN',
        "\r",
      ].join("\r\n"),
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.types.get("up")).toBe("gauge");
    expect(parsed.samples).toEqual([
      { name: "up", labels: {}, value: 1 },
      { name: "odd", labels: { path: "C:\\dir", quote: 'say "hi"', line: "a\nb" }, value: 2500 },
      { name: "spaced", labels: { a: "1", b: "" }, value: Number.NEGATIVE_INFINITY },
      { name: "nan_metric", labels: { x: "y" }, value: Number.NaN },
    ]);
  });

  it("skips a malformed line, naming it, and keeps every other sample", () => {
    const parsed = parsePrometheusText(
      ["good 1", 'broken{a="1" 2', "no_value", 'bad_value{a="1"} twelve', 'unclosed{a="1} 3', "good 2"].join("\n"),
    );
    expect(parsed.samples.map((sample) => sample.value)).toEqual([1, 2]);
    expect(parsed.problems).toEqual([
      'line 2: "," or "}" was expected after label a',
      "line 3: no_value has no value",
      'line 4: bad_value\'s value "twelve" is not a number',
      "line 5: label a's value is not closed",
    ]);
  });

  it("reads Go's float spellings and refuses words", () => {
    expect(parseSampleValue("+Inf")).toBe(Number.POSITIVE_INFINITY);
    expect(parseSampleValue("1e-3")).toBe(0.001);
    expect(parseSampleValue(".5")).toBe(0.5);
    expect(parseSampleValue("-0")).toBe(-0);
    expect(parseSampleValue("0x10")).toBeUndefined();
    expect(parseSampleValue("")).toBeUndefined();
  });

  it("reads the agent's request counters and latency buckets per endpoint", () => {
    const read = counters(
      agentMetrics([
        { method: "POST", route: "/complete", statuses: { "200": 2, "422": 1 }, latencies: [0.02, 3.1, 0.004] },
      ]),
    );
    expect(read.startedAt).toBe(1795423110);
    const complete = read.traffic.get("POST /complete");
    expect(complete?.statuses).toEqual({ "200": 2, "422": 1 });
    expect(complete?.buckets.at(-1)).toEqual({ le: Number.POSITIVE_INFINITY, count: 3 });
    expect(complete?.buckets[2]).toEqual({ le: 0.005, count: 1 });
  });
});

describe("latency quantiles from histogram buckets", () => {
  const buckets = [
    { le: 0.1, count: 50 },
    { le: 1, count: 90 },
    { le: 10, count: 100 },
    { le: Number.POSITIVE_INFINITY, count: 100 },
  ];

  it("interpolates inside the bucket that holds the rank, as histogram_quantile does", () => {
    expect(bucketQuantile(0.5, buckets)).toEqual({ seconds: 0.1, atLeast: false });
    expect(bucketQuantile(0.7, buckets)?.seconds).toBeCloseTo(0.55);
    expect(bucketQuantile(0.95, buckets)?.seconds).toBeCloseTo(5.5);
  });

  it("says 'at least the last bound' past it, and nothing without requests", () => {
    expect(bucketQuantile(0.95, [...buckets.slice(0, 3), { le: Number.POSITIVE_INFINITY, count: 200 }])).toEqual({
      seconds: 10,
      atLeast: true,
    });
    expect(bucketQuantile(0.5, [{ le: Number.POSITIVE_INFINITY, count: 0 }])).toBeNull();
  });
});

describe("latencies as the panel writes them", () => {
  it("in ms under a second, in s above, as a floor past the last bound, and a dash without requests", () => {
    expect(formatLatency({ seconds: 0.0042, atLeast: false })).toBe("4.2 ms");
    expect(formatLatency({ seconds: 0.12, atLeast: false })).toBe("120 ms");
    expect(formatLatency({ seconds: 3.14, atLeast: false })).toBe("3.1 s");
    expect(formatLatency({ seconds: 30, atLeast: true })).toBe("> 30.0 s");
    expect(formatLatency(null)).toBe("—");
  });
});

describe("the agent's activity since the page opened", () => {
  const opened = Date.parse("2026-11-23T08:00:00Z");
  const before = agentMetrics([
    { method: "POST", route: "/complete", statuses: { "200": 10, "403": 4 }, latencies: Array(14).fill(0.02) },
    { method: "GET", route: "/metrics", statuses: { "200": 7 }, latencies: Array(7).fill(0.002) },
  ]);

  it("counts only what was answered after the first read, by class, per endpoint, with a rate per minute", () => {
    let state = startActivity(counters(before), opened);
    const later = agentMetrics([
      {
        method: "POST",
        route: "/complete",
        statuses: { "200": 12, "403": 5, "422": 3, "429": 2, "502": 1 },
        latencies: [...Array(14).fill(0.02), 3, 3, 0.004, 0.004, 0.004, 0.004, 0.004, 20],
      },
      { method: "POST", route: "/refine", statuses: { "200": 1 }, latencies: [0.5] },
      { method: "GET", route: "/metrics", statuses: { "200": 9 }, latencies: Array(9).fill(0.002) },
      { method: "GET", route: "/health", statuses: { "200": 2 }, latencies: [0.001, 0.001] },
    ]);
    state = observeActivity(state, counters(later), opened + 120_000);
    const summary = summarizeActivity(state);
    // The panel's own reads of /metrics and /health are not the network's traffic.
    expect(summary.endpoints.map((endpoint) => `${endpoint.method} ${endpoint.route}`)).toEqual([
      "POST /complete",
      "POST /refine",
    ]);
    const complete = summary.endpoints[0];
    expect(complete).toMatchObject({
      requests: 9,
      ok: 2,
      clientErrors: 6,
      keyRefused: 1,
      invalid: 3,
      limited: 2,
      serverErrors: 1,
      perMinute: 4.5,
    });
    // 9 new latencies: five of 4 ms, two of 3 s, one of 20 s → p50 in the 2.5–5 ms bucket, p95 in 10–30 s.
    expect(complete?.p50?.seconds).toBeGreaterThan(0.0025);
    expect(complete?.p50?.seconds).toBeLessThanOrEqual(0.005);
    expect(complete?.p95?.seconds).toBeGreaterThan(10);
    expect(summary.total).toMatchObject({ requests: 10, ok: 3, clientErrors: 6, serverErrors: 1, perMinute: 5 });
    expect(summary.recentErrors.map(({ route, status, count }) => `${route} ${status}×${count}`)).toEqual([
      "/complete 502×1",
      "/complete 429×2",
      "/complete 422×3",
      "/complete 403×1",
    ]);
    expect(summary.recentErrors[0]?.at).toBe(opened + 120_000);
  });

  it("shows nothing but zeroes when nothing new came in, however busy the agent was before", () => {
    const state = observeActivity(startActivity(counters(before), opened), counters(before), opened + 5000);
    const summary = summarizeActivity(state);
    expect(summary.endpoints).toEqual([]);
    expect(summary.total).toMatchObject({ requests: 0, perMinute: 0, p50: null, p95: null });
    expect(summary.recentErrors).toEqual([]);
  });

  it("keeps what was counted before the agent restarted, and counts the new process from zero", () => {
    let state = startActivity(counters(before), opened);
    const grown = agentMetrics([
      { method: "POST", route: "/complete", statuses: { "200": 13, "403": 4 }, latencies: Array(17).fill(0.02) },
      { method: "GET", route: "/metrics", statuses: { "200": 8 }, latencies: Array(8).fill(0.002) },
    ]);
    state = observeActivity(state, counters(grown), opened + 5000);
    // A new process (a new start time) whose counters already passed the old ones: still a restart.
    const restarted = agentMetrics(
      [{ method: "POST", route: "/complete", statuses: { "200": 20, "500": 1 }, latencies: Array(21).fill(0.02) }],
      1795423999,
    );
    state = observeActivity(state, counters(restarted), opened + 10_000);
    const summary = summarizeActivity(state);
    expect(summary.restarts).toBe(1);
    expect(summary.endpoints[0]).toMatchObject({ requests: 24, ok: 23, serverErrors: 1, keyRefused: 0 });
    expect(summary.recentErrors.map(({ status, count }) => `${status}×${count}`)).toEqual(["500×1"]);
  });

  it("takes a counter that went down for a restart when the metrics carry no start time", () => {
    const noStart = (text: string) => ({ ...counters(text), startedAt: undefined });
    let state = startActivity(noStart(before), opened);
    const fresh = agentMetrics([{ method: "POST", route: "/complete", statuses: { "200": 1 }, latencies: [0.02] }]);
    state = observeActivity(state, noStart(fresh), opened + 5000);
    const summary = summarizeActivity(state);
    expect(summary.restarts).toBe(1);
    expect(summary.endpoints[0]).toMatchObject({ requests: 1, ok: 1 });
  });
});
