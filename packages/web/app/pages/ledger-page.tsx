// Ledger: pick a partition (the coordinator's, a fleet operator's), see its latest signed
// checkpoint, verify the whole of it in this browser, and check any record's inclusion proof.

import { useId } from "react";
import { coordinatorLedger, fleetLedger, type LedgerSource } from "../api/ledger-sources.ts";
import { ErrorNotice, Notice } from "../components/notice.tsx";
import { navigate, useLocation } from "../lib/router.tsx";
import { useLoad } from "../lib/use-load.ts";
import { useApp } from "../session/app-context.tsx";
import { CheckpointPanel } from "./ledger/checkpoint-panel.tsx";
import { RecordList } from "./ledger/record-list.tsx";
import { VerifyPanel } from "./ledger/verify-panel.tsx";

function Partition({ source }: { source: LedgerSource }) {
  const checkpoint = useLoad((signal) => source.checkpoint(signal), [source.id]);
  return (
    <>
      <section aria-labelledby="checkpoint-heading" className="panel">
        <h2 id="checkpoint-heading">Latest signed checkpoint</h2>
        <ErrorNotice error={checkpoint.error} onRetry={checkpoint.reload} />
        {checkpoint.data !== undefined && <CheckpointPanel checkpoint={checkpoint.data} />}
      </section>
      <section aria-labelledby="verify-heading" className="panel">
        <h2 id="verify-heading">Verify</h2>
        <p className="hint">
          Downloads the partition's export and recomputes every hash, the chain, every citation and every signed
          checkpoint here, in your browser.
        </p>
        <VerifyPanel source={source} />
      </section>
      <section aria-labelledby="records-heading">
        <h2 id="records-heading">Records</h2>
        <RecordList source={source} verifierKey={checkpoint.data?.verifierKey ?? null} />
      </section>
    </>
  );
}

export function LedgerPage() {
  const { server, connections } = useApp();
  const { query } = useLocation();
  const selectId = useId();
  const sources: LedgerSource[] = [
    ...(server.services.coordinator && connections.coordinator.adminKey
      ? [coordinatorLedger(connections.coordinator.adminKey)]
      : []),
    ...(server.services.fleet ? connections.fleet.operators.map(fleetLedger) : []),
  ];
  const source = sources.find((entry) => entry.id === query.get("source")) ?? sources[0];

  return (
    <section>
      <div className="page-head">
        <h1>Ledger</h1>
        {sources.length > 0 && (
          <div className="field inline">
            <label htmlFor={selectId}>Partition</label>
            <select
              id={selectId}
              value={source?.id}
              onChange={(event) => navigate(`/ledger?source=${encodeURIComponent(event.target.value)}`)}
            >
              {sources.map((entry) => (
                <option key={entry.id} value={entry.id}>
                  {entry.label}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      {source ? (
        <Partition key={source.id} source={source} />
      ) : (
        <Notice tone="warn">
          Reading a ledger needs the coordinator's admin key or a fleet operator's secret: add one on the Connections
          page.
        </Notice>
      )}
    </section>
  );
}
