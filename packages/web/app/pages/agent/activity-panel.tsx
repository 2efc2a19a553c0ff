// The Agent page's Activity panel: what the agent has answered the network since this page opened
// (per endpoint: requests, rate, answers by class with the refusals an operator acts on, latency
// quantiles), its LLM backend's state, and the errors of the last reads. Says plainly when the agent
// cannot be reached or refuses this tab's key, and keeps the last figures, marked by their time.

import { ApiError, errorDetail } from "../../api/http.ts";
import { Notice } from "../../components/notice.tsx";
import { formatAgo, formatClock, formatInteger } from "../../lib/format.ts";
import { formatLatency, formatPerMinute } from "./activity-format.ts";
import { EndpointTable, RecentErrorsTable } from "./activity-tables.tsx";
import { type AgentHealthReport, POLL_MS, useAgentActivity } from "./use-agent-activity.ts";

const unreachable = (error: unknown) =>
  error instanceof ApiError && (error.status === 0 || error.status === 502 || error.status === 504);

function ReadProblem({
  error,
  stopped,
  readAt,
  onRetry,
}: {
  error: unknown;
  stopped: boolean;
  readAt: number | null;
  onRetry: () => void;
}) {
  if (error === undefined) return null;
  const figures = readAt === null ? "" : ` The figures below are from ${formatClock(readAt)} UTC.`;
  const retry = (
    <button type="button" className="link-button" onClick={onRetry}>
      Read again now
    </button>
  );
  if (stopped) {
    return (
      <div className="notice notice-error" role="alert">
        <strong>The agent refused this tab's key</strong> ({errorDetail(error)}
        {error instanceof ApiError && error.status === 429
          ? ": too many wrong keys from this address, so the agent answers 429 until its minute ends"
          : ""}
        ): its activity cannot be read. Reads stopped, so the wrong key is not sent again (each one spends this
        browser's wrong-key budget at the agent). Enter the right key on Connections, or {retry}.{figures}
      </div>
    );
  }
  if (unreachable(error)) {
    const reason = (error as ApiError).message.replace(/^.*is not answering:\s*/, "");
    return (
      <div className="notice notice-error" role="alert">
        <strong>The agent API is not answering</strong>
        {reason ? ` (${reason})` : ""}. Reading again every {POLL_MS / 1000} s.{figures} {retry}
      </div>
    );
  }
  return (
    <div className="notice notice-error" role="alert">
      <strong>The agent's metrics could not be read</strong>: {errorDetail(error)}. Reading again every {POLL_MS / 1000}{" "}
      s.{figures} {retry}
    </div>
  );
}

function BackendState({ health }: { health: AgentHealthReport | null }) {
  if (!health) return <p className="muted">The agent's /health did not answer the last read.</p>;
  const llm = health.llm?.status ?? "unknown";
  const tone = llm === "ok" ? "ok" : llm === "failing" ? "bad" : "warn";
  const seen = health.llm?.checked_at
    ? ` (${health.llm.source === "request" ? "seen on a request" : "checked"} ${formatAgo(health.llm.checked_at)})`
    : " (not observed yet: no request and no check so far)";
  return (
    <p className="agent-backend">
      LLM backend{" "}
      <span className={`badge badge-${tone}`} data-testid="backend-state">
        {llm}
      </span>
      {seen}
      {health.llm?.detail ? `: ${health.llm.detail}` : ""} · model {health.model ?? "?"} ({health.llm_provider ?? "?"})
      {" · "}agent {health.status ?? "?"}
      {health.uptime_s !== undefined ? `, up ${formatInteger(health.uptime_s)} s` : ""}
      {health.active_conversations !== undefined
        ? `, ${formatInteger(health.active_conversations)} conversation${health.active_conversations === 1 ? "" : "s"}`
        : ""}
    </p>
  );
}

function Card({ label, value, tone }: { label: string; value: string; tone?: "bad" | "warn" }) {
  return (
    <div className="card" data-testid={`card ${label}`}>
      <span className="card-label">{label}</span>
      <span className={`card-value ${tone === "bad" ? "negative" : tone === "warn" ? "warn" : ""}`}>{value}</span>
    </div>
  );
}

export function ActivityPanel({ agentKey }: { agentKey: string }) {
  const activity = useAgentActivity(agentKey);
  const { summary } = activity;
  return (
    <section className="panel agent-activity" aria-labelledby="agent-activity-heading">
      <h2 id="agent-activity-heading">Activity</h2>
      {!agentKey ? (
        <Notice tone="warn">
          No agent API key in this tab: the agent's activity (its /metrics) needs it. Add it on Connections.
        </Notice>
      ) : (
        <>
          <p className="muted">
            What the agent answered since this page opened
            {summary ? ` (${formatClock(summary.since)} UTC, last read ${formatClock(summary.at)} UTC)` : ""}, read from
            its /metrics every {POLL_MS / 1000} s while this tab is shown. This panel's own reads of /metrics and
            /health are not counted. Requests in flight are not reported by the agent's metrics.
          </p>
          <ReadProblem
            error={activity.error}
            stopped={activity.stopped}
            readAt={activity.readAt}
            onRetry={activity.retry}
          />
          {activity.noCounters && (
            <Notice tone="warn">
              The agent's /metrics answered without request counters (http_requests_total): is this a Pithead agent?
            </Notice>
          )}
          {activity.problems.length > 0 && (
            <Notice tone="warn">
              {activity.problems.length} line{activity.problems.length === 1 ? "" : "s"} of the agent's /metrics could
              not be read and {activity.problems.length === 1 ? "was" : "were"} skipped (first: {activity.problems[0]}).
            </Notice>
          )}
          {summary && summary.restarts > 0 && (
            <Notice tone="warn">
              The agent restarted {summary.restarts === 1 ? "once" : `${summary.restarts} times`} since this page
              opened: requests between the last read before a restart and the restart are not counted.
            </Notice>
          )}
          <BackendState health={activity.health} />
          {!summary ? (
            activity.error === undefined && <p className="muted">Reading the agent's metrics…</p>
          ) : (
            <>
              <section className="cards" aria-label="Agent totals since this page opened">
                <Card label="requests" value={formatInteger(summary.total.requests)} />
                <Card label="per minute" value={formatPerMinute(summary.total.perMinute)} />
                <Card label="2xx" value={formatInteger(summary.total.ok)} />
                <Card label="4xx" value={formatInteger(summary.total.clientErrors)} />
                <Card label="key refused" value={formatInteger(summary.total.keyRefused)} />
                <Card
                  label="429 limited"
                  value={formatInteger(summary.total.limited)}
                  tone={summary.total.limited > 0 ? "warn" : undefined}
                />
                <Card
                  label="5xx"
                  value={formatInteger(summary.total.serverErrors)}
                  tone={summary.total.serverErrors > 0 ? "bad" : undefined}
                />
                <Card label="p50 latency" value={formatLatency(summary.total.p50)} />
                <Card label="p95 latency" value={formatLatency(summary.total.p95)} />
              </section>
              <EndpointTable endpoints={summary.endpoints} />
              <h3>Recent errors</h3>
              <RecentErrorsTable errors={summary.recentErrors} />
            </>
          )}
        </>
      )}
    </section>
  );
}
