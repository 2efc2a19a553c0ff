// The Activity panel's shell: reads the agent's /metrics (with this tab's agent key) and /health
// through the proxy every few seconds while the tab is visible, at once when it becomes visible
// again, and folds each read into the pure activity state. A refused key stops the polling until
// the key changes or the operator asks again: every further read would spend this browser's
// wrong-key budget at the agent and add a warning to its log.

import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, callJson, callRaw, serviceUrl } from "../../api/http.ts";
import {
  type ActivityState,
  type ActivitySummary,
  observeActivity,
  startActivity,
  summarizeActivity,
} from "./agent-activity.ts";
import { readStartTime, readTraffic } from "./agent-traffic.ts";
import { parsePrometheusText } from "./prometheus-text.ts";

export const POLL_MS = 5_000;

/** What the agent's /health says (the fields the panel shows). */
export interface AgentHealthReport {
  status?: string;
  model?: string;
  llm_provider?: string;
  uptime_s?: number;
  active_conversations?: number;
  llm?: { status?: string; detail?: string; checked_at?: string; source?: string; context_size?: number | null };
}

export interface AgentActivity {
  summary: ActivitySummary | null;
  health: AgentHealthReport | null;
  /** The last read's failure (cleared by the next good read). */
  error: unknown;
  /** When the last good read was taken. */
  readAt: number | null;
  /** The key was refused: reads stopped until `retry` or a new key. */
  stopped: boolean;
  /** The metrics answered, but carry no request counters (not a Pithead agent, or a changed format). */
  noCounters: boolean;
  /** Lines of the last read that did not parse. */
  problems: readonly string[];
  retry: () => void;
}

/**
 * The key was refused: 401/403, or 429, which /metrics (outside the per-endpoint rate limits) only
 * answers to a wrong key from an address whose wrong-key budget is spent.
 */
export const isKeyRefusal = (error: unknown): error is ApiError =>
  error instanceof ApiError && (error.status === 401 || error.status === 403 || error.status === 429);

export function useAgentActivity(key: string, now: () => number = Date.now): AgentActivity {
  const state = useRef<ActivityState | null>(null);
  const [summary, setSummary] = useState<ActivitySummary | null>(null);
  const [health, setHealth] = useState<AgentHealthReport | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [readAt, setReadAt] = useState<number | null>(null);
  const [stopped, setStopped] = useState(false);
  const [noCounters, setNoCounters] = useState(false);
  const [problems, setProblems] = useState<readonly string[]>([]);
  const [attempt, setAttempt] = useState(0);
  const clock = useRef(now);
  clock.current = now;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` restarts the reads on purpose
  useEffect(() => {
    setStopped(false);
    if (!key) return;
    const controller = new AbortController();
    const { signal } = controller;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let reading = false;
    let halted = false;

    const read = async () => {
      if (reading || halted || signal.aborted) return;
      reading = true;
      clearTimeout(timer);
      try {
        // /health is public and says the backend's state: shown even when /metrics refuses the key.
        const [metrics, report] = await Promise.allSettled([
          callRaw("agent", serviceUrl("agent", "/metrics"), {
            headers: { "x-api-key": key, accept: "text/plain" },
            signal,
          }).then((response) => response.text()),
          callJson<AgentHealthReport>("agent", serviceUrl("agent", "/health"), { signal }),
        ]);
        if (signal.aborted) return;
        setHealth(report.status === "fulfilled" ? report.value : null);
        if (metrics.status === "rejected") throw metrics.reason;
        const parsed = parsePrometheusText(metrics.value);
        const at = clock.current();
        const counters = { traffic: readTraffic(parsed.samples), startedAt: readStartTime(parsed.samples) };
        state.current = state.current ? observeActivity(state.current, counters, at) : startActivity(counters, at);
        setSummary(summarizeActivity(state.current));
        setNoCounters(![...parsed.types.keys()].some((name) => name.endsWith("_http_requests_total")));
        setProblems(parsed.problems);
        setReadAt(at);
        setError(undefined);
      } catch (failure) {
        if (signal.aborted) return;
        setError(failure);
        if (isKeyRefusal(failure)) {
          halted = true;
          setStopped(true);
          return;
        }
      } finally {
        reading = false;
      }
      if (!signal.aborted) timer = setTimeout(tick, POLL_MS);
    };
    // Hidden: no reads (the timer keeps ticking idle); shown again: one read at once.
    const tick = () => {
      if (document.visibilityState === "visible") void read();
      else timer = setTimeout(tick, POLL_MS);
    };
    const onVisible = () => {
      if (document.visibilityState === "visible") void read();
    };
    document.addEventListener("visibilitychange", onVisible);
    void read();
    return () => {
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [key, attempt]);

  const retry = useCallback(() => setAttempt((value) => value + 1), []);
  return { summary, health, error, readAt, stopped, noCounters, problems, retry };
}
