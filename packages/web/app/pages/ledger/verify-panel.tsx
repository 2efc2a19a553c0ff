// "Verify": the whole partition, streamed from its export and checked in this browser (every hash,
// the chain, citations, every signed checkpoint), with progress; the service's own verify beside it.

import { useRef, useState } from "react";
import type { LedgerSource } from "../../api/ledger-sources.ts";
import { ErrorNotice } from "../../components/notice.tsx";
import { formatInteger, plural, shortHash } from "../../lib/format.ts";
import { type VerifyOutcome, verifyExportStream } from "../../verify/export-verifier.ts";
import { type ServerVerdict, serverVerdict } from "./server-verdict.ts";

/** A warning worded as the CLI words it: `quoted` commands shown as code, not as raw backticks. */
function WarningText({ text }: { text: string }) {
  const parts = text.split("`");
  // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, never reordered
  return <>{parts.map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : <span key={i}>{part}</span>))}</>;
}

export function VerifyPanel({ source }: { source: LedgerSource }) {
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [outcome, setOutcome] = useState<VerifyOutcome | null>(null);
  const [server, setServer] = useState<ServerVerdict | null>(null);
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
      // The records read here: an export of a partition with archived records holds only the newer ones.
      const checked = result.records - result.archived;
      setProgress({ done: checked, total: checked });
      setOutcome(result);
      if (source.serverVerify) {
        setServer(serverVerdict(result, await source.serverVerify(controller.signal)));
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
              ✔ Verified in this browser:{" "}
              {outcome.archived > 0
                ? `records ${outcome.archived}..${outcome.records - 1} (${plural(outcome.records - outcome.archived, "record")}; the ${formatInteger(outcome.archived)} before them are archived and not checked here)`
                : plural(outcome.records, "record")}{" "}
              and {plural(outcome.checkpoints, "signed checkpoint")}; every hash, the chain and every checkpoint hold.
              Root {shortHash(outcome.root, 16)}.
              {outcome.warnings.length > 0 && (
                <ul className="verify-warnings" data-testid="verify-warnings">
                  {outcome.warnings.map((warning) => (
                    <li key={warning}>
                      ⚠ <WarningText text={warning} />
                    </li>
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
      {server &&
        (server.agree ? (
          <p className="muted" data-testid="server-verify">
            {server.text}
          </p>
        ) : (
          <div className="notice notice-warn" role="status" data-testid="server-verify">
            ⚠ {server.text}
          </div>
        ))}
    </div>
  );
}
