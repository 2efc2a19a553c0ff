// Decisions and negative proofs in one timeline, newest first: what the controller did, and what
// it decided not to do (and why): the two invariants of the loop, side by side.

import type { DecisionBody, FleetRecord, NegativeProofBody } from "../../api/fleet.ts";
import { StateBadge } from "../../components/state-badge.tsx";
import { formatTime } from "../../lib/format.ts";

export type TimelineEntry =
  | { kind: "decision"; record: FleetRecord<DecisionBody> }
  | { kind: "negative-proof"; record: FleetRecord<NegativeProofBody> };

export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  if (entries.length === 0) return <p className="muted">Nothing yet: run a cycle.</p>;
  return (
    <ol className="timeline" aria-label="Decisions and negative proofs, newest first">
      {entries.map((entry) => {
        const { record } = entry;
        if (entry.kind === "decision") {
          const body = entry.record.body;
          return (
            <li key={record.seq} className="timeline-decision">
              <span className="timeline-kind">Decision</span> <StateBadge state={body.action} />{" "}
              <strong>{body.minerId}</strong> <span className="muted">{body.reason}</span>
              <div className="timeline-detail">
                {body.detail}
                {body.origin === "manual" && ` · by ${body.requestedBy ?? "an operator"}`}
              </div>
              <div className="timeline-meta">
                {formatTime(record.at)} · cycle {body.cycle ?? "manual"} · seq {record.seq}
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
              {formatTime(record.at)} · stage {body.stage} · cycle {body.cycle ?? "manual"} · seq {record.seq}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
