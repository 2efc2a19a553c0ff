// The partition's records, newest first, filtered by type, down to the archive boundary; each
// one's inclusion proof checked in this browser on request.

import { useId, useRef, useState } from "react";
import type { LedgerSource } from "../../api/ledger-sources.ts";
import { CheckSteps } from "../../components/check-steps.tsx";
import { ErrorNotice, Loading } from "../../components/notice.tsx";
import { formatTime } from "../../lib/format.ts";
import { useLoad } from "../../lib/use-load.ts";
import { checkInclusion, type InclusionCheck } from "../../verify/inclusion.ts";
import { type ListedPage, loadRecordPage } from "./record-pages.ts";

const PAGE = 50;

function summary(body: unknown): string {
  const text = JSON.stringify(body);
  return text.length > 140 ? `${text.slice(0, 140)}…` : text;
}

function ProofCheck({
  source,
  seq,
  type,
  verifierKey,
}: {
  source: LedgerSource;
  seq: number;
  type: string;
  verifierKey: string | null;
}) {
  const [check, setCheck] = useState<InclusionCheck | null>(null);
  const [body, setBody] = useState<unknown>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await source.record(seq);
      setBody(answer.record.body);
      setCheck(
        await checkInclusion({
          record: answer.record,
          proof: answer.proof,
          checkpoint: answer.checkpoint,
          verifierKey: verifierKey ?? answer.checkpoint?.verifierKey,
        }),
      );
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="proof">
      {/* The name starts with the words shown (voice control says "Check proof") and says what it
          checks and of which record, for a screen reader's list of buttons. */}
      <button type="button" className="small" onClick={run} disabled={busy}>
        {busy ? "Checking…" : "Check proof"}
        <span className="visually-hidden">
          {busy ? " the proof" : ""} that record {seq} ({type}) is in the ledger
        </span>
      </button>
      <ErrorNotice error={error} />
      {check && <CheckSteps title={`Inclusion of record ${seq}`} ok={check.ok} steps={check.steps} />}
      {body !== undefined && <pre className="record-body">{JSON.stringify(body, null, 2)}</pre>}
    </div>
  );
}

/** `verifierKey`: the ledger's key, from its published checkpoint; proofs are checked against it. */
export function RecordList({ source, verifierKey }: { source: LedgerSource; verifierKey: string | null }) {
  const typeId = useId();
  const [type, setType] = useState("");
  const [typed, setTyped] = useState("");
  const [pages, setPages] = useState<number[]>([]);
  const from = pages.at(-1);
  const page = useLoad<ListedPage>(
    (signal) => loadRecordPage(source, { type: type || undefined, from, limit: PAGE }, signal),
    [source.id, type, from],
  );
  // What an earlier query loaded (all types, another page) is never listed under this one.
  const data =
    page.data && page.data.query.type === (type || undefined) && page.data.query.from === from ? page.data : undefined;
  const archivedBelow = data?.archived?.below;
  // Every type seen so far on any page: the suggestions of the type filter.
  const seen = useRef(new Set<string>());
  for (const record of data?.records ?? []) seen.current.add(record.type);
  const seenTypes = seen.current;

  return (
    <>
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault();
          setType(typed.trim());
          setPages([]);
        }}
      >
        <div className="field inline">
          <label htmlFor={typeId}>Record type</label>
          <input
            id={typeId}
            list={`${typeId}-types`}
            value={typed}
            placeholder="all types"
            onChange={(event) => setTyped(event.target.value)}
          />
          <datalist id={`${typeId}-types`}>
            {[...seenTypes].sort().map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </div>
        <button type="submit">Filter</button>
        {type && (
          <button
            type="button"
            onClick={() => {
              setType("");
              setTyped("");
              setPages([]);
            }}
          >
            All types
          </button>
        )}
        <button type="button" onClick={page.reload}>
          Refresh
        </button>
      </form>
      <ErrorNotice error={page.error} onRetry={page.reload} />
      {!data && !page.error && <Loading what="records" />}
      {data && data.records.length === 0 && (
        <p className="muted">
          No records{type ? ` of type ${type}` : ""}
          {data.archived ? " after the archived ones" : ""}.
        </p>
      )}
      {data && data.records.length > 0 && (
        <ol className="records" aria-label={`Records${type ? ` of type ${type}` : ""}, newest first`}>
          {data.records.map((record) => (
            <li key={record.seq}>
              <div className="record-head">
                <span className="record-seq">#{record.seq}</span> <code>{record.type}</code>{" "}
                <span className="muted">{formatTime(record.at)}</span>
              </div>
              <div className="record-summary">
                <code>{summary(record.body)}</code>
              </div>
              <ProofCheck source={source} seq={record.seq} type={record.type} verifierKey={verifierKey} />
            </li>
          ))}
        </ol>
      )}
      {data?.archived && (
        <p className="muted" data-testid="records-archived">
          {archivedBelow !== null && archivedBelow !== undefined
            ? `Records before #${archivedBelow} are archived: they were moved to the ledger's archive and are not listed here.`
            : "The older records are archived: they were moved to the ledger's archive and are not listed here."}
        </p>
      )}
      <div className="row">
        {pages.length > 0 && (
          <button type="button" onClick={() => setPages(pages.slice(0, -1))}>
            Newer records
          </button>
        )}
        {data?.next !== null && data?.next !== undefined && (
          <button type="button" onClick={() => setPages([...pages, data.next as number])}>
            Older records
          </button>
        )}
      </div>
    </>
  );
}
