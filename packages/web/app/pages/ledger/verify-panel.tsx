// "Verify": the whole partition, streamed from its export and checked in this browser (every hash,
// the chain, citations, every signed checkpoint), with progress; the service's own verify beside it.

import { useRef, useState } from "react";
import type { LedgerSource } from "../../api/ledger-sources.ts";
import { ErrorNotice } from "../../components/notice.tsx";
import { formatInteger, plural, shortHash } from "../../lib/format.ts";
import { type VerifyOutcome, verifyExportStream } from "../../verify/export-verifier.ts";

export function VerifyPanel({ source }: { source: LedgerSource }) {
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [outcome, setOutcome] = useState<VerifyOutcome | null>(null);
  const [server, setServer] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const running = useRef<AbortController | null>(null);
  const [busy, setBusy] = useState(false);

  const start = async () => {
    const controller = new AbortController();
    running.current = controller;
    setBusy(true);
    setOutcome(null);
    setServer(null);
    setError(undefined);
    setProgress({ done: 0, total: 0 });
    let last = 0;
    try {
      const stream = await source.exportStream(controller.signal);
      const result = await verifyExportStream(stream, {
        signal: controller.signal,
        onProgress: (done, total) => {
          // Repaint at most every 50 ms: a big ledger has many records.
          const now = performance.now();
          if (now - last > 50 || done === total) {
            last = now;
            setProgress({ done, total });
          }
        },
      });
      setProgress({ done: result.records, total: result.records });
      setOutcome(result);
      if (source.serverVerify) {
        const report = await source.serverVerify(controller.signal);
        setServer(
          report.ok
            ? `The service's own verify agrees: ${plural(report.records, "record")}, ${plural(report.checkpoints, "checkpoint")}.`
            : `The service's own verify reports record ${report.firstBad?.seq}: ${report.firstBad?.reason}`,
        );
      }
    } catch (failure) {
      if (!controller.signal.aborted) setError(failure);
    } finally {
      running.current = null;
      setBusy(false);
    }
  };

  const percent = progress && progress.total > 0 ? Math.round((progress.done / progress.total) * 100) : 0;
  return (
    <div className="verify">
      <div className="row">
        <button type="button" className="primary" onClick={start} disabled={busy}>
          {busy ? "Verifying…" : "Verify"}
        </button>
        {busy && (
          <button type="button" onClick={() => running.current?.abort()}>
            Cancel
          </button>
        )}
      </div>
      {progress && (
        <div className="progress-line">
          <label htmlFor={`verify-progress-${source.id}`}>Records checked</label>
          <progress
            id={`verify-progress-${source.id}`}
            max={Math.max(progress.total, 1)}
            value={progress.done}
            aria-valuetext={`${progress.done} of ${progress.total} records`}
          />
          <span className="muted">
            {formatInteger(progress.done)} / {formatInteger(progress.total)} ({percent}%)
          </span>
        </div>
      )}
      <ErrorNotice error={error} title="Verify stopped" />
      {outcome && (
        <div
          className={`notice ${outcome.ok ? (outcome.warnings.length > 0 ? "notice-warn" : "notice-ok") : "notice-error"}`}
          role="status"
          data-testid="verify-result"
        >
          {outcome.ok ? (
            <>
              ✔ Verified in this browser: {plural(outcome.records, "record")} and{" "}
              {plural(outcome.checkpoints, "signed checkpoint")}; every hash, the chain and every checkpoint hold. Root{" "}
              {shortHash(outcome.root, 16)}.
              {outcome.warnings.length > 0 && (
                <ul className="verify-warnings" data-testid="verify-warnings">
                  {outcome.warnings.map((warning) => (
                    <li key={warning}>⚠ {warning}</li>
                  ))}
                </ul>
              )}
            </>
          ) : (
            <>
              ✖ Verification failed
              {outcome.firstBad?.seq !== null && outcome.firstBad?.seq !== undefined
                ? ` at record ${outcome.firstBad.seq}`
                : ""}
              : {outcome.firstBad?.reason}
            </>
          )}
        </div>
      )}
      {server && <p className="muted">{server}</p>}
    </div>
  );
}
