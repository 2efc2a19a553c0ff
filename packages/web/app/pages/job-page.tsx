// One job: its state (live), leases, output, metrics, the signed receipt checked in this browser
// against the coordinator's published key, and the job's ledger records with their inclusion
// proofs checked against a signed checkpoint.

import { useCallback, useEffect, useMemo, useState } from "react";
import { coordinator, FINAL_STATES, type JobEvent, type JobResult } from "../api/coordinator.ts";
import { CheckSteps } from "../components/check-steps.tsx";
import { ErrorNotice, Loading, Notice } from "../components/notice.tsx";
import { StateBadge } from "../components/state-badge.tsx";
import { focusOnMount, focusPageHeading } from "../lib/focus.ts";
import { formatInteger, formatTime, plural, shortId } from "../lib/format.ts";
import { Link } from "../lib/router.tsx";
import { LiveLabel, useEventStream } from "../lib/use-events.tsx";
import { useLoad } from "../lib/use-load.ts";
import { useApp } from "../session/app-context.tsx";
import { type CheckpointWire, checkInclusion, type InclusionProofWire } from "../verify/inclusion.ts";
import { checkReceipt, outputBytes, type ReceiptCheck } from "../verify/receipt.ts";
import type { LedgerRecord } from "../verify/record.ts";
import { errorText } from "./jobs/job-error.ts";
import { JobLoadError } from "./jobs/job-load-error.tsx";
import { LeaseTable } from "./jobs/lease-table.tsx";
import { WaitingJobWarning } from "./jobs/waiting-job-warning.tsx";

function Output({ result }: { result: JobResult }) {
  const bytes = useMemo(
    () =>
      result.output !== null && result.output_encoding === "base64" ? outputBytes(result.output, "base64") : undefined,
    [result],
  );
  // A download link for binary output (an image from sd_infer), released when the page changes.
  const url = useMemo(
    () => (bytes ? URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>])) : undefined),
    [bytes],
  );
  useEffect(() => () => (url ? URL.revokeObjectURL(url) : undefined), [url]);
  if (result.output === null) return <p className="muted">The miner sent no output inline (only its hash).</p>;
  if (result.output_encoding === "base64") {
    return (
      <p>
        Binary output, {formatInteger(bytes?.length ?? 0)} bytes.{" "}
        {url && (
          <a href={url} download={`${result.job_id}.bin`}>
            Download it
          </a>
        )}
      </p>
    );
  }
  return (
    <pre className="output" data-testid="job-output">
      {result.output}
    </pre>
  );
}

function ReceiptPanel({ result }: { result: JobResult }) {
  const [check, setCheck] = useState<ReceiptCheck | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const receipt = result.receipt;
  const run = useCallback(async () => {
    if (!receipt) return;
    setError(undefined);
    setCheck(null);
    try {
      const published = await coordinator.receiptKey();
      const bytes = result.output === null ? undefined : outputBytes(result.output, result.output_encoding);
      setCheck(await checkReceipt(receipt, published, bytes ? { bytes, jobId: result.job_id } : undefined));
    } catch (failure) {
      setError(failure);
    }
  }, [receipt, result]);
  useEffect(() => {
    void run();
  }, [run]);
  if (!receipt) return <p className="muted">No receipt: the job completed without a paid miner.</p>;
  const r = receipt.receipt;
  return (
    <>
      <dl className="facts">
        <dt>Receipt</dt>
        <dd>
          <code>{r.receipt_id}</code>
        </dd>
        <dt>Miner</dt>
        <dd>
          <code>{r.miner_id}</code> → wallet <code>{String(r.wallet)}</code>
        </dd>
        <dt>Paid</dt>
        <dd>{formatInteger(r.reward)}</dd>
        <dt>Work</dt>
        <dd>
          {formatInteger(r.units)} {r.unit_type}
        </dd>
        <dt>Ledger record</dt>
        <dd>seq {r.ledger_seq}</dd>
      </dl>
      <button type="button" onClick={run}>
        Check the receipt again
      </button>
      <ErrorNotice error={error} title="Could not check the receipt" />
      {check && <CheckSteps title="Receipt signature" ok={check.ok} steps={check.steps} />}
    </>
  );
}

function LedgerEvidence({ jobId, readKey }: { jobId: string; readKey: string }) {
  const [state, setState] = useState<{ ok: number; bad: string[]; total: number; size: number | null } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const evidence = await coordinator.jobLedger(readKey, jobId);
      const checkpoint = evidence.checkpoint as CheckpointWire | null;
      let ok = 0;
      const bad: string[] = [];
      for (const entry of evidence.records) {
        if (!entry.record) continue;
        const result = await checkInclusion({
          record: entry.record as unknown as LedgerRecord,
          proof: entry.proof as InclusionProofWire | null,
          checkpoint,
          verifierKey: evidence.verifier_key,
        });
        if (result.ok) ok++;
        else
          bad.push(
            `${String(entry.record.type)} (seq ${String(entry.record.seq)}): ${result.steps.find((step) => !step.ok)?.detail ?? "failed"}`,
          );
      }
      setState({ ok, bad, total: evidence.records.length, size: checkpoint?.size ?? null });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <p>
        Every step of this job is a record in the coordinator's ledger. Check that each one is in the log its signed
        checkpoint commits to:
      </p>
      <button type="button" onClick={run} disabled={busy}>
        {busy ? "Checking…" : "Check the ledger proofs"}
      </button>
      <ErrorNotice error={error} />
      {state && (
        <div className={`notice ${state.bad.length === 0 ? "notice-ok" : "notice-error"}`} role="status">
          {state.bad.length === 0
            ? `✔ ${state.ok === 1 ? "The 1 record of this job is" : `All ${state.ok} records of this job are`} in the ledger: each inclusion proof leads to the root of the signed checkpoint of ${plural(state.size ?? 0, "record")}.`
            : `✖ ${state.bad.length} of ${plural(state.total, "record")} failed: ${state.bad.join("; ")}`}
        </div>
      )}
    </>
  );
}

// Focus follows the question: onto "Yes, cancel the job" when it is asked, back onto "Cancel job"
// after "Keep it", and onto the page's heading once the job is canceled (this control goes away).
function CancelJob({ cancel, onCanceled }: { cancel: () => Promise<unknown>; onCanceled: () => void }) {
  const [asking, setAsking] = useState(false);
  const [askedBefore, setAskedBefore] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await cancel();
      setAsking(false);
      setAskedBefore(false);
      onCanceled();
      focusPageHeading();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="stack">
      {asking ? (
        <div className="row">
          <span>Cancel this job? What is still escrowed is refunded to the client wallet.</span>
          <button type="button" className="danger" onClick={confirm} disabled={busy} ref={focusOnMount}>
            {busy ? "Canceling…" : "Yes, cancel the job"}
          </button>
          <button type="button" onClick={() => setAsking(false)} disabled={busy}>
            Keep it
          </button>
        </div>
      ) : (
        <div>
          <button
            type="button"
            ref={askedBefore ? focusOnMount : undefined}
            onClick={() => {
              setAsking(true);
              setAskedBefore(true);
            }}
          >
            Cancel job
          </button>
        </div>
      )}
      <ErrorNotice error={error} title="Not canceled" />
    </div>
  );
}

export function JobPage({ id }: { id: string }) {
  const { connections } = useApp();
  const readKey = connections.coordinator.adminKey || connections.coordinator.clientKey;
  const job = useLoad(readKey ? (signal) => coordinator.job(readKey, id, signal) : null, [readKey, id]);
  const [liveState, setLiveState] = useState<string | null>(null);
  const state = liveState ?? job.data?.state ?? null;
  const final = state !== null && FINAL_STATES.includes(state);
  // An output the result retention removed is not asked for: the result would only say 410.
  const removedAt = job.data?.output_removed_at;
  const result = useLoad(
    readKey && state === "COMPLETED" && !removedAt ? (signal) => coordinator.result(readKey, id, signal) : null,
    [readKey, id, state, removedAt],
  );

  const onEvent = useCallback(
    (event: { event: string; data: string }) => {
      if (event.event !== "state") return;
      try {
        const change = JSON.parse(event.data) as JobEvent;
        setLiveState(change.state);
        job.reload();
      } catch {
        // A malformed event is skipped; the next one carries the state again.
      }
    },
    [job],
  );
  const live = useEventStream(
    readKey && job.data && !final ? coordinator.jobEventsUrl(id) : null,
    coordinator.authHeaders(readKey),
    onEvent,
    { endOnClose: true },
  );

  if (!readKey) return <Notice tone="warn">Add a coordinator key on the Connections page to see jobs.</Notice>;
  return (
    <section>
      <p>
        <Link to="/jobs">← All jobs</Link>
      </p>
      <div className="page-head">
        <h1>
          Job <code title={id}>{shortId(id)}</code>
        </h1>
        {state && <StateBadge state={state} />}
        {job.data && !final && <LiveLabel {...live} />}
      </div>
      <JobLoadError error={job.error} onRetry={job.reload} />
      {!job.data && !job.error && <Loading what="the job" />}
      {job.data && (
        <>
          {!final && <WaitingJobWarning readKey={readKey} job={job.data} />}
          <dl className="facts" aria-label="Job">
            <dt>Id</dt>
            <dd>
              <code>{job.data.id}</code>
            </dd>
            <dt>State</dt>
            <dd data-testid="job-state">{state}</dd>
            <dt>Workload</dt>
            <dd>{job.data.workload}</dd>
            <dt>Parameters</dt>
            <dd>
              <code className="wrap">{JSON.stringify(job.data.params)}</code>
            </dd>
            <dt>Reward</dt>
            <dd>
              {formatInteger(job.data.reward)}
              {job.data.verification.mode === "replicate" &&
                ` per replica, ${formatInteger(job.data.reward * job.data.verification.replicas)} for all ${job.data.verification.replicas}`}{" "}
              (escrow left {formatInteger(job.data.escrow)})
            </dd>
            <dt>Verification</dt>
            <dd>
              {job.data.verification.mode === "none"
                ? "none"
                : `${job.data.verification.quorum} of ${job.data.verification.replicas} must agree`}
            </dd>
            <dt>Leases issued</dt>
            <dd>{job.data.attempt}</dd>
            <dt>Created</dt>
            <dd>{formatTime(job.data.created_at)}</dd>
            {!final && job.data.start_by && (
              <>
                <dt>Start by</dt>
                <dd>{formatTime(job.data.start_by)}, or its open slots expire and their escrow is refunded</dd>
              </>
            )}
            <dt>Finished</dt>
            <dd>{formatTime(job.data.finished_at)}</dd>
            <dt>Output hash</dt>
            <dd>
              <code>{job.data.output_sha ?? "—"}</code>
            </dd>
            {job.data.error && (
              <>
                <dt>Error</dt>
                <dd>{errorText(job.data)}</dd>
              </>
            )}
          </dl>
          {!final && (
            <CancelJob
              cancel={() => coordinator.cancel(connections.coordinator.clientKey || readKey, id)}
              onCanceled={job.reload}
            />
          )}
          {job.data.leases && job.data.leases.length > 0 && (
            <section aria-labelledby="leases-heading">
              <h2 id="leases-heading">Leases</h2>
              <LeaseTable leases={job.data.leases} />
            </section>
          )}
          {state === "COMPLETED" && removedAt && (
            <>
              <Notice tone="warn">
                Output removed {formatTime(removedAt)}, after the coordinator's result retention
                (PITHEAD_RESULT_RETENTION_DAYS). Its hash above, the signed receipt and the ledger records remain.
              </Notice>
              <section aria-labelledby="evidence-heading">
                <h2 id="evidence-heading">Ledger evidence</h2>
                <LedgerEvidence jobId={id} readKey={readKey} />
              </section>
            </>
          )}
          {state === "COMPLETED" && !removedAt && (
            <>
              <ErrorNotice error={result.error} title="Result" onRetry={result.reload} />
              {!result.data && !result.error && <Loading what="the result" />}
              {result.data && (
                <>
                  <section aria-labelledby="output-heading">
                    <h2 id="output-heading">Output</h2>
                    <Output result={result.data} />
                  </section>
                  <section aria-labelledby="metrics-heading">
                    <h2 id="metrics-heading">Metrics</h2>
                    <dl className="facts">
                      {Object.entries(result.data.metrics).map(([name, value]) => (
                        <div key={name} className="fact">
                          <dt>{name}</dt>
                          <dd>
                            {/* A name (the model, why it finished) as text, not a JSON string in quotes. */}
                            {typeof value === "number"
                              ? value.toLocaleString("en-US", { maximumFractionDigits: 3 })
                              : typeof value === "string"
                                ? value
                                : JSON.stringify(value)}
                          </dd>
                        </div>
                      ))}
                    </dl>
                  </section>
                  <section aria-labelledby="receipt-heading">
                    <h2 id="receipt-heading">Receipt</h2>
                    <ReceiptPanel result={result.data} />
                  </section>
                  <section aria-labelledby="evidence-heading">
                    <h2 id="evidence-heading">Ledger evidence</h2>
                    <LedgerEvidence jobId={id} readKey={readKey} />
                  </section>
                </>
              )}
            </>
          )}
          {final && state !== "COMPLETED" && <Notice tone="warn">The job ended {state}: it has no result.</Notice>}
        </>
      )}
    </section>
  );
}
