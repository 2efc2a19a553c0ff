// A thread verifies run on (verify-thread.ts), one job at a time: opens the store the ledger was opened
// on, feeds the partition to a ChainVerifier exactly as the ledger's verify on the calling thread
// would, and posts progress, then the report or the error that stopped it.
import { parentPort } from "node:worker_threads";
import { ChainVerifier } from "./chain-verifier.ts";
import { openStoreBackend } from "./open-ledger.ts";
import { crossed, type VerifyJob, type VerifyThreadMessage } from "./verify-thread.ts";

const post = (message: VerifyThreadMessage) => parentPort?.postMessage(message);

/** One verify at a time: the thread takes the next job only after posting this one's outcome. */
async function verify(job: VerifyJob): Promise<VerifyThreadMessage> {
  try {
    // Only read here: a JSONL reader recovers nothing, and the store's warnings were said when it was opened.
    const backend = await openStoreBackend(job.store, () => undefined);
    try {
      const verifier = new ChainVerifier(job.verifier);
      verifier.trust(job.trusted);
      await backend.verify(
        job.partition,
        verifier,
        job.progress ? (done, total) => post({ kind: "progress", done, total }) : undefined,
        job.archive !== undefined ? { archive: job.archive } : {},
      );
      return { kind: "report", report: verifier.finish() };
    } finally {
      await backend.close();
    }
  } catch (error) {
    return { kind: "error", error: crossed(error) };
  }
}

parentPort?.on("message", (job: VerifyJob) => {
  void verify(job).then(post);
});
