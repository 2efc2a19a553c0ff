// Contract: idempotent(op)
//   Keyed per principal: the first request with an Idempotency-Key runs `op` and stores its answer
//   in the same transaction as its effects; the same key with the same request replays that answer
//   (status and body); the same key with another request is 409 IDEMPOTENCY_KEY_REUSED.
//   Errors are not stored: nothing was done, so a retry may run again.
import type { JsonValue } from "../core/model.ts";
import { errors } from "../errors.ts";
import type { IdempotencyRecord, Tx } from "../store/types.ts";

export interface Answer {
  status: number;
  body: JsonValue;
  /** What to keep for replays when the body holds a secret shown only once; default `body`. */
  stored?: JsonValue;
}

export interface IdempotencyScope {
  keyId: string;
  idempotencyKey: string | undefined;
  /** SHA-256 of the method, route and canonical body. */
  requestHash: string;
}

/** The stored first answer, replayed; 409 when the key came with another request then. */
export function replay(scope: IdempotencyScope, previous: IdempotencyRecord): Answer & { replayed: true } {
  if (previous.requestHash !== scope.requestHash) {
    throw errors.error("IDEMPOTENCY_KEY_REUSED", { idempotency_key: scope.idempotencyKey });
  }
  return { status: previous.status, body: previous.response, replayed: true };
}

export async function idempotent(
  tx: Tx,
  scope: IdempotencyScope,
  op: () => Promise<Answer>,
): Promise<Answer & { replayed: boolean }> {
  if (scope.idempotencyKey === undefined) return { ...(await op()), replayed: false };
  const previous = await tx.idempotency(scope.keyId, scope.idempotencyKey);
  if (previous) return replay(scope, previous);
  const answer = await op();
  await tx.putIdempotency(scope.keyId, scope.idempotencyKey, {
    requestHash: scope.requestHash,
    status: answer.status,
    response: answer.stored ?? answer.body,
  });
  return { ...answer, replayed: false };
}
