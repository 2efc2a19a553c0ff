// Plain-text renderings for the `pithead fleet` commands: a cycle's decisions, a probe's
// telemetry, a replay report.

import { planAction } from "../cgminer/firmware.ts";
import type { Divergence } from "../core/divergence.ts";
import type { CycleReport } from "../orchestrator/operator-controller.ts";
import { checkedNothing, type ReplayReport } from "../orchestrator/replay.ts";
import type { Telemetry } from "../telemetry.ts";

/** "1 cycle", "2 cycles". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => pad(cell, widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** " (timeout 2, unreachable 1)": why the polls failed, which the table's gate reasons do not say. */
function failedBy(failures: Record<string, number>): string {
  const entries = Object.entries(failures).sort(([, a], [, b]) => b - a);
  return entries.length === 0 ? "" : ` (${entries.map(([why, n]) => `${why} ${n}`).join(", ")})`;
}

export function formatCycle(report: CycleReport, options: { all?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(
    `operator ${report.operatorId}: cycle at ${report.now} (ledger record #${report.cycleSeq}), ${report.mode}${report.dryRun ? ", dry-run" : ""} — ${count(report.miners, "miner")}, ${report.polled.ok} answered, ${report.polled.failed} failed${failedBy(report.pollFailures)}, ${report.records} records in ${(report.timingsMs.total / 1000).toFixed(2)} s`,
  );
  const counts = new Map<string, number>();
  for (const decision of report.decisions)
    counts.set(`${decision.action} ${decision.reason}`, (counts.get(`${decision.action} ${decision.reason}`) ?? 0) + 1);
  if (counts.size > 0) lines.push(`decisions: ${[...counts].map(([key, count]) => `${count}× ${key}`).join(", ")}`);
  const shown = options.all ? report.decisions : report.decisions.filter((decision) => decision.action !== "HOLD");
  if (shown.length > 0) {
    lines.push(
      "",
      table([["MINER", "ACTION", "REASON", "DETAIL"], ...shown.map((d) => [d.minerId, d.action, d.reason, d.detail])]),
    );
  }
  // Older reports (a server of an earlier release answering the CLI) have no modelChanges.
  const swapped = report.modelChanges ?? [];
  if (swapped.length > 0) {
    lines.push(
      "",
      "warning: miners that report another model than before (swapped machines):",
      table([["MINER", "WAS", "NOW"], ...swapped.map((c) => [c.minerId, c.from, c.to])]),
    );
  }
  if (report.negativeProofs.length > 0) {
    lines.push(
      "",
      "suppressed (negative proofs):",
      table([
        ["MINER", "STAGE", "SUPPRESSED", "REASON", "DETAIL"],
        ...report.negativeProofs.map((p) => [p.minerId, p.stage, p.suppressed, p.reason, p.detail]),
      ]),
    );
  }
  if (report.receipts.length > 0) {
    lines.push(
      "",
      "dispatched:",
      table([
        ["MINER", "ACTION", "STATUS", "DETAIL"],
        ...report.receipts.map((r) => [r.minerId, r.action, r.status, r.detail]),
      ]),
    );
  }
  return lines.join("\n");
}

/**
 * A probe's telemetry; with `checks` (probe-checks.ts), what a cycle would find wrong with it,
 * by the divergence codes the ledger uses.
 */
export function formatTelemetry(address: string, t: Telemetry, nowMs: number, checks?: readonly Divergence[]): string {
  const lines = [
    `${address}: ${t.model ?? "unknown model"} — ${t.firmware.name ?? t.firmware.family} ${t.firmware.version ?? ""}`.trimEnd(),
    `  hashrate   ${t.hashrateThs} TH/s (${t.hashrateWindow} window)${t.expectedThs ? `, expected ${t.expectedThs} TH/s (${t.expectedSource})` : ""}`,
    `  power      ${t.powerW === null ? "unknown" : `${t.powerW} W (${t.powerNote ?? t.powerSource})`}`,
    `  temps      chip max ${t.maxChipTempC ?? "–"} °C, board max ${t.maxBoardTempC ?? "–"} °C`,
    `  fans       ${t.fansRpm.length === 0 ? "–" : `${t.fansRpm.join(", ")} rpm`}`,
    `  uptime     ${t.uptimeS === null ? "–" : `${Math.floor(t.uptimeS / 3600)} h ${Math.floor((t.uptimeS % 3600) / 60)} min`}; shares ${t.accepted ?? "–"} accepted, ${t.rejected ?? "–"} rejected, ${t.hardwareErrors ?? "–"} HW errors`,
  ];
  if (t.boards.length > 0) {
    lines.push(
      "  boards:",
      table([
        ["    #", "TH/s", "CHIP °C", "BOARD °C", "CHIPS"],
        ...t.boards.map((b) => [
          `    ${b.index}`,
          b.hashrateThs ?? "–",
          b.chipTempsC.join("/") || "–",
          b.boardTempsC.join("/") || "–",
          b.chipsGood === null
            ? "–"
            : `${b.chipsGood}${b.chipsExpected ? `/${b.chipsExpected}` : ""}${b.chipsBad ? ` (${b.chipsBad} bad)` : ""}`,
        ]),
      ]),
    );
  }
  if (t.pools.length > 0) {
    lines.push(
      "  pools:",
      ...t.pools.map(
        (p) =>
          `    ${p.priority ?? "-"} ${p.url} (${p.user}) ${p.status}: ${p.accepted} accepted, ${p.rejected} rejected`,
      ),
    );
  }
  if (checks && checks.length === 0) lines.push("  checks     none failed (the thresholds a cycle uses)");
  else if (checks) {
    lines.push(
      "  checks a cycle would fail:",
      ...checks.map((d) => `    ${d.code}${d.blocking ? " (blocking)" : ""}: ${d.detail}`),
    );
  }
  lines.push("  actions this firmware supports over the API:");
  for (const action of ["STOP", "RUN", "RESTART"] as const) {
    const plan = planAction(t.firmware.family, action, { devices: t.boards.length, nowMs });
    lines.push(
      `    ${pad(action, 8)}${plan.supported ? `${plan.commands.map((c) => (c.parameter ? `${c.command}|${c.parameter}` : c.command)).join(", ")} — ${plan.effect}` : `not supported: ${plan.why}`}`,
    );
  }
  if (t.errors.length > 0) lines.push("  problems:", ...t.errors.map((error) => `    ${error}`));
  lines.push(`  raw reply sha256 ${t.rawSha256}`);
  return lines.join("\n");
}

export function formatReplay(report: ReplayReport): string {
  const notes = new Set(["rules-changed", "interrupted", "in-progress", "archived-history"]);
  const counted = report.differences.filter((d) => !notes.has(d.kind));
  const older = report.differences.filter((d) => d.kind === "rules-changed");
  // Cycles cut short (recorded as such) or still running: said, never counted as differences.
  const cutShort = report.differences.filter((d) => d.kind === "interrupted" || d.kind === "in-progress");
  const verdict =
    counted.length > 0
      ? count(counted.length, "difference")
      : checkedNothing(report)
        ? "nothing was checked"
        : older.length > 0
          ? `every one decided under the current rules (${report.rules}) matches`
          : "every one matches";
  const lines = [
    `${report.partition}: ${count(report.records, "record")}, ${count(report.cycles, "cycle")}, ${count(report.decisions, "decision")}; ${count(report.rederived, "record")} re-derived — ${verdict}`,
  ];
  const archived = report.archived;
  if (archived) {
    lines.push(
      archived.read
        ? `  records 0..${archived.records - 1} were read from the archive`
        : `  records 0..${archived.records - 1} lie in the archive and were not replayed (give --archive DIR to read them)` +
            (archived.skippedCycles > 0
              ? `; ${count(archived.skippedCycles, "cycle")} after them could not be re-derived (their configuration record is in the archive)`
              : ""),
    );
  }
  const history = report.differences.filter((d) => d.kind === "archived-history");
  const line = (d: ReplayReport["differences"][number]) =>
    `  ${d.kind} ${d.type} '${d.key}'${d.cycleSeq === null ? "" : ` (the cycle at ledger record #${d.cycleSeq})`}: ${d.detail}`;
  lines.push(...counted.slice(0, 50).map(line));
  if (cutShort.length > 0) {
    lines.push(
      `  and ${count(cutShort.length, "cycle")} cut short or still running (evidence, not counted):`,
      // Their detail already names the cycle and why ("cycle #98641 was interrupted (…)"): the
      // record type and key in front of it would only repeat the number.
      ...cutShort.slice(0, 20).map((d) => `  ${d.detail}`),
    );
  }
  if (history.length > 0) {
    lines.push(
      `  and ${count(history.length, "difference")} near the archive boundary, where the miners' memory lacks its archived past (not counted):`,
      ...history.slice(0, 20).map(line),
    );
  }
  if (older.length > 0) {
    lines.push(
      `  and ${count(older.length, "difference")} in ${count(report.olderRules.cycles, "cycle")} decided under older decision rules (expected after an upgrade; not counted):`,
      ...older.slice(0, 20).map(line),
    );
  }
  return lines.join("\n");
}
