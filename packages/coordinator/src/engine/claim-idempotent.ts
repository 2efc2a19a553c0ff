// Contract: claimIdempotent(claim)
//   A claim (POST /v1/miner/claim) with an Idempotency-Key. A claim that leases stores its answer
//   (`{jobs: [...]}`, as the route sends it) in the same transaction as the leases, so a retry
//   with the key replays the same jobs and lease tokens instead of leasing again. A claim that
//   leases nothing stores nothing: it did nothing, and a long-poll runs many such tries before one
//   finds a job. If the key's answer is already stored (a duplicate of this request, in another
//   process, committed first) this claim leases nothing: the route replays that answer.
import { claimView } from "../http/views.ts";
import type { Claimed } from "../ops/claim-jobs.ts";
import type { IdempotencyScope } from "../ops/idempotent.ts";
import type { Tx } from "../store/types.ts";

export async function claimIdempotent(
  tx: Tx,
  scope: IdempotencyScope,
  claim: () => Promise<Claimed[]>,
): Promise<Claimed[]> {
  const key = scope.idempotencyKey;
  if (key === undefined) return claim();
  if (await tx.idempotency(scope.keyId, key)) return [];
  const claimed = await claim();
  if (claimed.length > 0) {
    await tx.putIdempotency(scope.keyId, key, {
      requestHash: scope.requestHash,
      status: 200,
      response: claimView(claimed),
    });
  }
  return claimed;
}
