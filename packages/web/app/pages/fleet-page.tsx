// Fleet: the operator's miners, charts of the selected one, "Run cycle", the AUTO/MANUAL switch,
// manual start/stop/restart, and the timeline of decisions and negative proofs. Every request is
// signed in the browser with the operator's secret.

import { useEffect, useId, useState } from "react";
import { type CycleReport, fleet, type Mode, type ProfitBody } from "../api/fleet.ts";
import { errorDetail, errorMessage, namesItsService } from "../api/http.ts";
import { ErrorNotice, Loading, Notice } from "../components/notice.tsx";
import { formatAgo, formatHashrate, formatInteger, formatPower, formatUsd, plural } from "../lib/format.ts";
import { navigate, useLocation } from "../lib/router.tsx";
import { useInterval, useLoad } from "../lib/use-load.ts";
import { useApp } from "../session/app-context.tsx";
import type { FleetCredential } from "../session/connections.ts";
import { excludedMinersNote, staleTotalsNote } from "./fleet/fleet-health.ts";
import { FleetMinerTable, fansText, type MinerCommand } from "./fleet/fleet-miner-table.tsx";
import { fleetWarnings } from "./fleet/fleet-warnings.ts";
import { latestCycleMargins, marginsToShow } from "./fleet/latest-margins.ts";
import { MinerCharts } from "./fleet/miner-charts.tsx";
import { Timeline } from "./fleet/timeline.tsx";
import { hasOlder, timelineEntries, timelineFloor } from "./fleet/timeline-pager.ts";
import { useTimeline } from "./fleet/use-timeline.ts";

function cycleSummary(report: CycleReport): string {
  const actions = report.receipts.length;
  const suppressed = report.negativeProofs.length;
  return `Cycle (${report.mode}, ledger record #${report.cycleSeq}): polled ${report.polled.ok} of ${plural(report.miners, "miner")}${report.polled.failed ? `, ${report.polled.failed} failed` : ""}; ${plural(report.decisions.length, "action decision")}, ${actions} dispatched, ${plural(suppressed, "negative proof")}.`;
}

function OperatorFleet({ operator }: { operator: FleetCredential }) {
  const [selected, setSelected] = useState<string | null>(null);
  const [showHold, setShowHold] = useState(false);
  const [timelineLength, setTimelineLength] = useState(30);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [message, setMessage] = useState<string | null>(null);
  const modeName = useId();

  const view = useLoad((signal) => fleet.miners(operator, signal), [operator.id, operator.secret]);
  const lastCycle = view.data?.lastCycle?.cycleSeq ?? null;
  // Read again only when a new cycle has run: every miner's record of the latest cycle, paged.
  const profits = useLoad(
    view.data
      ? (signal) => latestCycleMargins((before) => fleet.list<ProfitBody>(operator, "profits", 500, signal, before))
      : null,
    [operator.id, operator.secret, lastCycle, view.data === undefined],
  );
  const timeline = useTimeline(operator, showHold, timelineLength);
  const chartMiner = selected ?? view.data?.miners[0]?.id ?? null;
  const history = useLoad(chartMiner ? (signal) => fleet.history(operator, chartMiner, 120, signal) : null, [
    operator.id,
    operator.secret,
    chartMiner,
  ]);

  const refresh = () => {
    view.reload();
    timeline.refresh();
    history.reload();
  };
  useInterval(refresh, busy ? null : 10_000);

  /** Runs an action, shows its outcome; true when it succeeded. */
  const act = async (label: string, run: () => Promise<string>): Promise<boolean> => {
    setBusy(label);
    setActionError(undefined);
    setMessage(null);
    try {
      setMessage(await run());
      refresh();
      return true;
    } catch (error) {
      setActionError(error);
      return false;
    } finally {
      setBusy(null);
    }
  };
  const runCycle = () => act("cycle", async () => cycleSummary(await fleet.runCycle(operator)));
  // The switch moves at once; it moves back with a message if the controller refuses.
  const [pendingMode, setPendingMode] = useState<Mode | null>(null);
  const setMode = async (mode: Mode) => {
    setPendingMode(mode);
    if (!(await act("mode", async () => `Mode is now ${(await fleet.setMode(operator, mode)).mode}.`)))
      setPendingMode(null);
  };
  useEffect(() => {
    if (pendingMode !== null && view.data?.mode === pendingMode) setPendingMode(null);
  }, [pendingMode, view.data]);
  const command = (minerId: string, verb: MinerCommand) =>
    act(`${verb}-${minerId}`, async () => {
      const answer = await fleet.command(operator, minerId, verb);
      const outcome = answer.outcome;
      const again = answer.replayed ? " (the answer to the first try: it was not sent twice)" : "";
      return outcome.kind === "receipt"
        ? `${verb} ${minerId}: decision ${answer.decisionId} dispatched, the miner answered ${outcome.body.status ?? "?"}${outcome.body.detail ? ` (${outcome.body.detail})` : ""}${again}.`
        : `${verb} ${minerId}: decision ${answer.decisionId} recorded but not carried out (negative proof: ${outcome.body.reason ?? "?"}${outcome.body.detail ? `: ${outcome.body.detail}` : ""})${again}.`;
    });

  const margins = marginsToShow(profits.data, lastCycle, view.data?.miners ?? []);
  const loaded = timeline.state;
  const allEntries = loaded ? timelineEntries(loaded) : [];
  const entries = allEntries.slice(0, timelineLength);
  const data = view.data;
  // The whole fleet's, whatever the table below shows.
  const warnings = data ? fleetWarnings(data) : [];
  const staleTotals = data?.totals ? staleTotalsNote(data.totals, data.lastCycle) : null;
  const excluded = data?.totals ? excludedMinersNote(data.totals) : null;

  return (
    <>
      <ErrorNotice error={view.error} onRetry={view.reload} />
      {!data && !view.error && <Loading what="the fleet" />}
      {data && (
        <>
          <section className="controls panel" aria-label="Controls">
            <fieldset className="mode-switch" disabled={busy !== null}>
              <legend>Mode</legend>
              {(["AUTO", "MANUAL"] as const).map((mode) => (
                <label key={mode} className="radio">
                  <input
                    type="radio"
                    name={modeName}
                    value={mode}
                    checked={(pendingMode ?? data.mode) === mode}
                    onChange={() => void setMode(mode)}
                  />
                  {mode}
                </label>
              ))}
            </fieldset>
            <p className="hint">
              {data.mode === "AUTO"
                ? "AUTO: the controller carries out its decisions."
                : "MANUAL: every automatic action is suppressed with a negative proof; only your commands run."}
            </p>
            <div className="row">
              <button
                type="button"
                className="primary"
                onClick={runCycle}
                disabled={busy !== null || data.cycleRunning}
              >
                {busy === "cycle" ? "Running cycle…" : "Run cycle"}
              </button>
              <span className="muted">
                {data.lastCycle
                  ? `Last cycle ${formatAgo(data.lastCycle.now)} (ledger record #${data.lastCycle.cycleSeq})${data.lastCycle.fromLedger ? ", before the controller started: its figures are read from the ledger" : ""}`
                  : "No cycle yet"}
                {data.dryRun && " · dry run: nothing is dispatched"}
              </span>
            </div>
            {message && (
              <div className="notice notice-ok" role="status" data-testid="fleet-message">
                {message}
              </div>
            )}
            <ErrorNotice error={actionError} title="Not done" />
          </section>

          {warnings.length > 0 && (
            <section
              className={`notice notice-${warnings.some((warning) => warning.tone === "warn") ? "warn" : "info"}`}
              aria-label="Fleet-wide warnings"
              data-testid="fleet-warnings"
            >
              <ul className="plain-list" aria-live="polite">
                {warnings.map((warning) => (
                  <li key={warning.key}>{warning.text}</li>
                ))}
              </ul>
            </section>
          )}
          {staleTotals && (
            <div className="notice notice-warn" role="status" data-testid="fleet-stale-totals">
              {staleTotals}
            </div>
          )}
          {data.totals && (
            <section className="cards" aria-label={staleTotals ? "Fleet totals (from an older cycle)" : "Fleet totals"}>
              <div className="card">
                <span className="card-label">hashrate</span>
                <span className="card-value">{formatHashrate(data.totals.hashrateThs)}</span>
              </div>
              <div className="card">
                <span className="card-label">power</span>
                <span className="card-value">{formatPower(data.totals.powerW)}</span>
              </div>
              <div className="card">
                <span className="card-label">revenue / day</span>
                <span className="card-value">{formatUsd(data.totals.revenueUsdPerDay)}</span>
              </div>
              <div className="card">
                <span className="card-label">energy / day</span>
                <span className="card-value">{formatUsd(data.totals.costUsdPerDay)}</span>
              </div>
              <div className="card">
                <span className="card-label">margin / day</span>
                <span className={`card-value ${data.totals.marginUsdPerDay < 0 ? "negative" : ""}`}>
                  {formatUsd(data.totals.marginUsdPerDay)}
                </span>
              </div>
              {data.totals.excludedMiners && (
                <div className="card">
                  <span className="card-label">miners counted in margin</span>
                  <span className={`card-value ${excluded ? "warn" : ""}`}>
                    {formatInteger(data.count - data.totals.excludedMiners.length)} of {formatInteger(data.count)}
                  </span>
                </div>
              )}
            </section>
          )}
          {excluded && (
            <p className="muted" data-testid="fleet-excluded">
              {excluded}
            </p>
          )}

          <section aria-labelledby="fleet-miners-heading">
            <h2 id="fleet-miners-heading">
              Miners <span className="muted">({data.count})</span>
            </h2>
            <ErrorNotice error={profits.error} title="Margins not read" onRetry={profits.reload} />
            <FleetMinerTable
              miners={data.miners}
              margins={margins}
              selected={chartMiner}
              onSelect={setSelected}
              onCommand={command}
              busy={busy}
            />
          </section>

          {chartMiner && (
            <section aria-labelledby="charts-heading">
              <h2 id="charts-heading">
                Over time: <code>{chartMiner}</code>
              </h2>
              {/* The table hides its fans column on a laptop: the charted miner's are here. */}
              <p className="muted" data-testid="chart-miner-fans">
                Fans now: {fansText(data.miners.find((miner) => miner.id === chartMiner)?.fansRpm ?? [], " rpm")}
              </p>
              <ErrorNotice error={history.error} onRetry={history.reload} />
              {history.data && (
                <MinerCharts
                  minerId={chartMiner}
                  points={history.data.points}
                  lastError={data.miners.find((miner) => miner.id === chartMiner)?.error ?? null}
                />
              )}
            </section>
          )}

          <section aria-labelledby="timeline-heading">
            <div className="section-head">
              <h2 id="timeline-heading">Decisions and negative proofs</h2>
              <label className="checkbox">
                <input type="checkbox" checked={showHold} onChange={(event) => setShowHold(event.target.checked)} />{" "}
                Show HOLD decisions
              </label>
            </div>
            <ErrorNotice error={timeline.error} onRetry={timeline.retry} />
            {loaded && (
              <Timeline entries={entries} quiet={showHold ? null : loaded.quiet} onShowHold={() => setShowHold(true)} />
            )}
            {!loaded && !timeline.error && <Loading what="the timeline" />}
            {loaded && (allEntries.length > timelineLength || hasOlder(loaded)) && (
              <div className="row">
                <button
                  type="button"
                  disabled={timeline.loading}
                  onClick={() => setTimelineLength(timelineLength + 30)}
                >
                  {timeline.loading
                    ? "Loading…"
                    : entries.length < timelineLength
                      ? "Search further back"
                      : "Show more"}
                </button>
                {entries.length < timelineLength && (
                  <span className="muted">read back to ledger record #{timelineFloor(loaded)}</span>
                )}
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}

export function FleetPage() {
  const { server, connections } = useApp();
  const { query } = useLocation();
  const selectId = useId();
  const health = useLoad(server.services.fleet ? (signal) => fleet.health(signal) : null, [server.services.fleet?.url]);
  if (!server.services.fleet)
    return (
      <Notice tone="warn">
        This dashboard was started without a fleet controller (pass <code>--fleet URL</code> to <code>pithead web</code>
        ).
      </Notice>
    );
  const credentials = connections.fleet.operators;
  const known = health.data?.operators ?? [];
  const wanted = query.get("operator");
  const operator =
    credentials.find((entry) => entry.id === wanted) ??
    credentials.find((entry) => known.some((op) => op.id === entry.id)) ??
    credentials[0];
  const withoutKeys = known.filter((op) => !credentials.some((entry) => entry.id === op.id));

  return (
    <section>
      <div className="page-head">
        <h1>Fleet</h1>
        {credentials.length > 1 && (
          <div className="field inline">
            <label htmlFor={selectId}>Operator</label>
            <select
              id={selectId}
              value={operator?.id}
              onChange={(event) => navigate(`/fleet?operator=${encodeURIComponent(event.target.value)}`)}
            >
              {credentials.map((entry) => (
                <option key={entry.id} value={entry.id}>
                  {known.find((op) => op.id === entry.id)?.label ?? entry.id}
                </option>
              ))}
            </select>
          </div>
        )}
        {operator && credentials.length === 1 && (
          <span className="muted">operator {known.find((op) => op.id === operator.id)?.label ?? operator.id}</span>
        )}
      </div>
      {health.error !== undefined && (
        <Notice tone="warn">
          {/* The proxy's "The fleet controller (…) is not answering" names it already: not twice. */}
          {namesItsService(health.error)
            ? errorMessage(health.error)
            : `The fleet controller's /health did not answer: ${errorDetail(health.error)}`}
        </Notice>
      )}
      {withoutKeys.length > 0 && (
        <p className="muted">
          {withoutKeys.length} more operator{withoutKeys.length === 1 ? "" : "s"} on this controller (
          {withoutKeys.map((op) => op.label).join(", ")}): add their secrets on Connections to see them.
        </p>
      )}
      {operator ? (
        <OperatorFleet key={operator.id} operator={operator} />
      ) : (
        <Notice tone="warn">Add an operator id and secret on the Connections page to see the fleet.</Notice>
      )}
    </section>
  );
}
