// Decisions and negative proofs in one timeline, newest first: what the controller did, and what
// it decided not to do (and why): the two invariants of the loop, side by side.

import { StateBadge } from "../../components/state-badge.tsx";
import { formatTime, plural } from "../../lib/format.ts";
import type { TimelineEntry } from "./timeline-pager.ts";

export type { TimelineEntry } from "./timeline-pager.ts";

/**
 * A record's `cycle` is the seq of its cycle's fleet.cycle record, not a count of cycles (the
 * first cycle can be #1, the next #122): say it is a record, so it is not read as "cycle 122".
 */
function cycleLabel(cycle: number | null | undefined): string {
  return cycle === null || cycle === undefined ? "manual" : `cycle at record #${cycle}`;
}

/** Why the list is empty: cycles that ran but held every miner are not "nothing yet". */
function Empty({ quiet, onShowHold }: { quiet: { cycles: number; more: boolean } | null; onShowHold: () => void }) {
  if (!quiet || quiet.cycles === 0) return <p className="muted">Nothing yet: run a cycle.</p>;
  return (
    <p className="muted" data-testid="timeline-empty">
      No actions: {quiet.more ? `${quiet.cycles}+ cycles` : plural(quiet.cycles, "cycle")}, every miner held (HOLD
      decisions hidden).{" "}
      <button type="button" className="link-button" onClick={onShowHold}>
        Show HOLDs
      </button>
    </p>
  );
}

export function Timeline({
  entries,
  quiet,
  onShowHold,
}: {
  entries: TimelineEntry[];
  /** The cycles in the range read, when HOLDs are hidden and none of them acted (else null). */
  quiet: { cycles: number; more: boolean } | null;
  onShowHold: () => void;
}) {
  if (entries.length === 0) return <Empty quiet={quiet} onShowHold={onShowHold} />;
  return (
    <ol className="timeline" aria-label="Decisions and negative proofs, newest first">
      {entries.map((entry) => {
        const { record } = entry;
        if (entry.kind === "decision") {
          const body = entry.record.body;
          // A manual command's detail usually names who asked already.
          const by =
            body.origin === "manual" && !(body.requestedBy && body.detail.includes(body.requestedBy))
              ? ` · by ${body.requestedBy ?? "an operator"}`
              : "";
          return (
            <li key={record.seq} className="timeline-decision">
              <span className="timeline-kind">Decision</span> <StateBadge state={body.action} />{" "}
              <strong>{body.minerId}</strong> <span className="muted">{body.reason}</span>
              <div className="timeline-detail">
                {body.detail}
                {by}
              </div>
              <div className="timeline-meta">
                {formatTime(record.at)} · {cycleLabel(body.cycle)} · record #{record.seq}
              </div>
            </li>
          );
        }
        const body = entry.record.body;
        return (
          <li key={record.seq} className="timeline-negative">
            <span className="timeline-kind">Negative proof</span>{" "}
            <span className="badge badge-warn">{body.suppressed} suppressed</span> <strong>{body.minerId}</strong>{" "}
            <span className="muted">{body.reason}</span>
            <div className="timeline-detail">{body.detail}</div>
            <div className="timeline-meta">
              {formatTime(record.at)} · stage {body.stage} · {cycleLabel(body.cycle)} · record #{record.seq}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
