// The latest signed checkpoint: the tree size and root the ledger committed to, its signed-note
// text, and whether its Ed25519 signature holds under the ledger's verifier key (checked here).

import { useEffect, useState } from "react";
import type { SignedCheckpoint } from "../../api/ledger-sources.ts";
import { formatTime, plural } from "../../lib/format.ts";
import { noteSignedBy, parseCheckpoint, parseVerifierKey } from "../../verify/signed-note.ts";

export function CheckpointPanel({ checkpoint }: { checkpoint: SignedCheckpoint | null }) {
  const [signature, setSignature] = useState<{ ok: boolean; detail: string } | null>(null);
  useEffect(() => {
    setSignature(null);
    if (!checkpoint) return;
    let current = true;
    (async () => {
      try {
        if (!checkpoint.verifierKey) return { ok: false, detail: "the ledger publishes no verifier key" };
        const key = await parseVerifierKey(checkpoint.verifierKey);
        const parsed = parseCheckpoint(checkpoint.note);
        const ok =
          (await noteSignedBy(parsed, key)) &&
          parsed.rootHex === checkpoint.rootHash &&
          parsed.size === checkpoint.size;
        return {
          ok,
          detail: ok ? `signed by ${key.name}, checked in this browser` : `the signature by ${key.name} does not hold`,
        };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    })().then((result) => current && setSignature(result));
    return () => {
      current = false;
    };
  }, [checkpoint]);

  if (!checkpoint)
    return (
      <p className="muted">No checkpoint has been signed yet: records will get inclusion proofs after the first one.</p>
    );
  return (
    <div className="checkpoint">
      <dl className="facts">
        <dt>Log</dt>
        <dd>
          <code>{checkpoint.origin}</code>
        </dd>
        <dt>Size</dt>
        <dd>{plural(checkpoint.size, "record")}</dd>
        <dt>Root</dt>
        <dd>
          <code className="wrap">{checkpoint.rootHash}</code>
        </dd>
        <dt>Signed</dt>
        <dd>{formatTime(checkpoint.signedAt)}</dd>
        <dt>Signature</dt>
        <dd role="status">
          {signature ? `${signature.ok ? "✔ valid" : "✖ NOT valid"}: ${signature.detail}` : "checking…"}
        </dd>
      </dl>
      <details>
        <summary>Signed note (C2SP tlog-checkpoint)</summary>
        <pre className="note">{checkpoint.note}</pre>
        {checkpoint.verifierKey && (
          <p className="muted">
            Verifier key: <code className="wrap">{checkpoint.verifierKey}</code>
          </p>
        )}
      </details>
    </div>
  );
}
