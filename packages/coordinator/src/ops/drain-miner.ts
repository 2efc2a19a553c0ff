// Contract: setDraining
//   A draining miner keeps its leases and may prove them but is handed no new job; resuming
//   undoes it. Refuses: an unknown miner (404).
import type { Miner } from "../core/model.ts";
import { errors } from "../errors.ts";
import type { Tx } from "../store/types.ts";

export async function setDraining(tx: Tx, minerId: string, draining: boolean): Promise<Miner> {
  const miner = await tx.miner(minerId);
  if (!miner) throw errors.error("MINER_NOT_FOUND", { miner_id: minerId });
  if (miner.draining === draining) return miner;
  const next = { ...miner, draining };
  await tx.updateMiner(next);
  await tx.record(draining ? "coordinator.miner.draining" : "coordinator.miner.resumed", { miner_id: minerId });
  return next;
}
