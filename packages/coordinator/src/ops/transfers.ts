// Moving money inside an op: the postings and the cached balances. The ledger record of whatever
// caused the movement carries the transfer (see `transferRecord`).
import type { JsonValue, Transfer } from "../core/model.ts";
import type { Tx } from "../store/types.ts";

/** Applies the transfer; returns its description for the ledger record, or null when it moves nothing. */
export async function moveMoney(tx: Tx, transfer: Transfer): Promise<JsonValue> {
  if (transfer.postings.length === 0) return null;
  const transferId = await tx.applyTransfer(transfer);
  return {
    transfer_id: transferId,
    kind: transfer.kind,
    postings: transfer.postings.map((posting) => ({ account: posting.account, amount: posting.amount })),
  };
}
