// The fleet's miners: model, status, the manual commands (recorded as the operator's decisions;
// near the name so they are in view on a laptop), hashrate against expected, temperatures, fans,
// power, margin and the last decision. Stop and restart interrupt mining: they ask once more.
// A thousand miners are searched, filtered and sorted here (kept in the address, and across the
// live refresh, which only brings new rows to the same query). Under 1440 px the fans column is
// hidden (styles.css) so the rest fit a laptop; the charted miner's fans are said above its charts.

import { useEffect, useMemo, useRef, useState } from "react";
import type { FleetMiner } from "../../api/fleet.ts";
import { CodeText } from "../../components/code-text.tsx";
import { StateBadge } from "../../components/state-badge.tsx";
import { focusOnMount } from "../../lib/focus.ts";
import { formatDecimal, formatInteger, formatUsd } from "../../lib/format.ts";
import { FleetTableControls } from "./fleet-table-controls.tsx";
import type { MinerMargin } from "./latest-margins.ts";
import { filterMiners, quickFilterCounts, type RowContext } from "./miner-filters.ts";
import { nextSort, type SortKey, sortMiners } from "./miner-sort.ts";
import { gateHold, latestCycleOf, shownMargin, stoppedText } from "./miner-state.ts";
import { modelDisplayName } from "./model-names.ts";
import { SortHeader } from "./sort-header.tsx";
import { useStickyColumnWidth } from "./use-sticky-column.ts";
import { useTableQuery } from "./use-table-query.ts";

export type MinerCommand = "start" | "stop" | "restart";

/** A temperature, marked when over the operator's warning or stop threshold (the text says so too). */
function Temperature({ value, level }: { value: number | null; level: FleetMiner["temperature"] }) {
  const text = formatDecimal(value, 0);
  if (value === null || (level !== "warn" && level !== "stop")) return <>{text}</>;
  const label = level === "stop" ? "over the stop temperature" : "over the warning temperature";
  return (
    <span className={`badge badge-${level === "stop" ? "bad" : "warn"}`} title={label}>
      {text} <span className="visually-hidden">({label})</span>
      {level === "stop" ? " hot" : " warm"}
    </span>
  );
}

/** The latest decision, and whether it was carried out: a suppressed STOP must not read as done. */
export function lastDecisionText(decision: NonNullable<FleetMiner["lastDecision"]>): string {
  if (decision.notCarriedOut) return `${decision.action} not carried out: ${decision.notCarriedOut.reason}`;
  if (decision.receipt?.status === "failed")
    return `${decision.action} failed: ${decision.receipt.error ?? "the miner refused"}`;
  return `${decision.action} ${decision.reason}`;
}

/** "4,763–4,919 ×4": the range of the fans' speeds (with `unit` after it) and how many there are. */
export function fansText(rpms: number[], unit = ""): string {
  if (rpms.length === 0) return "—";
  const low = Math.min(...rpms);
  const high = Math.max(...rpms);
  return `${low === high ? formatInteger(low) : `${formatInteger(low)}–${formatInteger(high)}`}${unit} ×${rpms.length}`;
}

export function FleetMinerTable(props: {
  miners: FleetMiner[];
  margins: Map<string, MinerMargin>;
  selected: string | null;
  onSelect: (minerId: string) => void;
  onCommand: (minerId: string, command: MinerCommand) => void;
  busy: string | null;
}) {
  const { miners, margins, selected, onSelect, onCommand, busy } = props;
  const table = useTableQuery();
  const { search, filter, sort } = table.query;
  const context: RowContext = useMemo(() => ({ margins, latestCycle: latestCycleOf(miners) }), [margins, miners]);
  const counts = useMemo(() => quickFilterCounts(miners, search, context), [miners, search, context]);
  const rows = useMemo(
    () => sortMiners(filterMiners(miners, search, filter, context), sort, context),
    [miners, search, filter, sort, context],
  );
  const frame = useRef<HTMLDivElement>(null);
  useStickyColumnWidth(frame, rows.length > 0);
  const [confirming, setConfirming] = useState<{ minerId: string; command: MinerCommand } | null>(null);
  // Focus follows the question: onto Confirm when it appears (focusOnMount), back onto the button
  // that asked after Cancel, or after Confirm once the command is done and the buttons work again.
  const commandButtons = useRef(new Map<string, HTMLButtonElement>());
  const [returnFocusTo, setReturnFocusTo] = useState<string | null>(null);
  useEffect(() => {
    if (returnFocusTo === null || busy !== null) return;
    commandButtons.current.get(returnFocusTo)?.focus();
    setReturnFocusTo(null);
  }, [returnFocusTo, busy]);
  if (miners.length === 0) return <p className="muted">This operator has no miners.</p>;
  const onSort = (column: SortKey) => table.setSort(nextSort(sort, column));
  const header = (column: SortKey, label: string, unit?: string, className?: string) => (
    <SortHeader
      column={column}
      sort={sort}
      onSort={onSort}
      numeric={unit !== undefined}
      unit={unit}
      className={className}
    >
      {label}
    </SortHeader>
  );
  return (
    <>
      <FleetTableControls
        search={search}
        onSearch={table.setSearch}
        filter={filter}
        onFilter={table.setFilter}
        counts={counts}
        shown={rows.length}
        total={miners.length}
      />
      {rows.length === 0 ? (
        <div className="notice" data-testid="no-miner-matches">
          No miner matches{search.trim() ? ` “${search.trim()}”` : ""}
          {filter !== "all" ? " in this filter" : ""}.{" "}
          <button type="button" className="small" onClick={table.showAll}>
            Show all miners
          </button>
        </div>
      ) : (
        <div className="table-wrap fleet-table-wrap" ref={frame}>
          <table className="fleet-table">
            <caption className="visually-hidden">Miners of the operator</caption>
            <thead>
              <tr>
                {header("miner", "Miner")}
                {header("model", "Model")}
                {header("status", "Status")}
                <th scope="col">Actions</th>
                {header("hashrate", "Hashrate", "TH/s")}
                {header("expected", "Expected", "TH/s")}
                {header("chip", "Chip", "°C")}
                {header("board", "Board", "°C")}
                {header("fans", "Fans", "rpm", "col-fans")}
                {header("power", "Power", "W")}
                {header("margin", "Margin", "$/day")}
                {header("decision", "Last decision")}
              </tr>
            </thead>
            <tbody>
              {rows.map((miner) => {
                const margin = shownMargin(miner, margins);
                const stopped = stoppedText(miner);
                const gated = gateHold(miner, context.latestCycle);
                return (
                  <tr key={miner.id} className={miner.id === selected ? "highlight" : undefined}>
                    <th scope="row">
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => onSelect(miner.id)}
                        aria-pressed={miner.id === selected}
                        aria-label={`Chart miner ${miner.id}`}
                      >
                        {miner.id}
                      </button>
                    </th>
                    <td>{modelDisplayName(miner.model) ?? "—"}</td>
                    <td className="status">
                      <StateBadge state={miner.status} />
                      {stopped && (
                        <>
                          {" "}
                          <span
                            className={miner.latch === "THERMAL_LATCH" ? "badge badge-warn words" : "muted words"}
                            title={miner.stoppedFor?.decisionId ? `decision ${miner.stoppedFor.decisionId}` : undefined}
                          >
                            {stopped}
                          </span>
                        </>
                      )}
                      {miner.error && <span className="muted wrap cell-note"> {miner.error}</span>}
                    </td>
                    <td>
                      {confirming?.minerId === miner.id ? (
                        // On a phone the two stack and Confirm drops the miner's id (still in its
                        // accessible name): both stay inside the table's frame.
                        <div className="cell-actions confirming">
                          <button
                            type="button"
                            className="small danger"
                            disabled={busy !== null}
                            ref={focusOnMount}
                            aria-label={`Confirm ${confirming.command} ${miner.id}`}
                            onClick={() => {
                              setConfirming(null);
                              setReturnFocusTo(`${confirming.command} ${miner.id}`);
                              onCommand(miner.id, confirming.command);
                            }}
                          >
                            Confirm {confirming.command}
                            <span className="wide-only"> {miner.id}</span>
                          </button>
                          <button
                            type="button"
                            className="small"
                            onClick={() => {
                              setConfirming(null);
                              setReturnFocusTo(`${confirming.command} ${miner.id}`);
                            }}
                          >
                            Cancel
                          </button>
                        </div>
                      ) : (
                        <div className="cell-actions">
                          {(["start", "stop", "restart"] as const).map((command) => (
                            <button
                              key={command}
                              type="button"
                              className="small"
                              disabled={busy !== null}
                              ref={(element) => {
                                if (element) commandButtons.current.set(`${command} ${miner.id}`, element);
                                else commandButtons.current.delete(`${command} ${miner.id}`);
                              }}
                              onClick={() => {
                                if (command !== "start") {
                                  setConfirming({ minerId: miner.id, command });
                                  return;
                                }
                                // Disabled while it runs: focus comes back when it is done.
                                setReturnFocusTo(`${command} ${miner.id}`);
                                onCommand(miner.id, command);
                              }}
                              aria-label={`${command[0]?.toUpperCase()}${command.slice(1)} miner ${miner.id}`}
                            >
                              {command}
                            </button>
                          ))}
                        </div>
                      )}
                    </td>
                    <td className="num">{formatDecimal(miner.hashrateThs, 1)}</td>
                    <td className="num">{formatDecimal(miner.expectedThs, 1)}</td>
                    <td className="num">
                      <Temperature
                        value={miner.maxChipTempC}
                        level={miner.maxChipTempC === null ? null : miner.temperature}
                      />
                    </td>
                    <td className="num">
                      <Temperature
                        value={miner.maxBoardTempC}
                        level={miner.maxChipTempC === null ? miner.temperature : null}
                      />
                    </td>
                    <td className="num col-fans">{fansText(miner.fansRpm)}</td>
                    <td className="num">{formatInteger(miner.powerW)}</td>
                    <td className={`num ${margin !== undefined && margin.marginUsdPerDay < 0 ? "negative" : ""}`}>
                      {formatUsd(margin?.marginUsdPerDay)}
                      {margin?.ifRunningUsdPerDay !== null && margin?.ifRunningUsdPerDay !== undefined && (
                        <span className="muted words"> {formatUsd(margin.ifRunningUsdPerDay)} if running</span>
                      )}
                    </td>
                    <td
                      className="decision"
                      title={miner.lastDecision?.notCarriedOut?.detail ?? miner.lastDecision?.detail}
                    >
                      {gated && (
                        <>
                          <span
                            className="badge badge-warn wrap"
                            title={`No decision in the latest cycle: ${gated.detail ?? "its evidence checks blocked one"} (the negative proof is in the timeline)`}
                          >
                            held by the evidence checks
                            {gated.reason && <CodeText text={`: ${gated.reason.split(",").join(", ")}`} />}
                          </span>{" "}
                        </>
                      )}
                      {miner.lastDecision ? (
                        miner.lastDecision.notCarriedOut || miner.lastDecision.receipt?.status === "failed" ? (
                          <span className="badge badge-warn wrap">
                            <CodeText text={lastDecisionText(miner.lastDecision)} />
                          </span>
                        ) : (
                          <>
                            <StateBadge state={miner.lastDecision.action} />{" "}
                            <span className="muted">
                              <CodeText text={miner.lastDecision.reason} />
                            </span>
                          </>
                        )
                      ) : (
                        "—"
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
