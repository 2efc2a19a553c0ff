// Contract: heartbeat
//   First contact registers the miner and binds its id to the calling key; later ones must come
//   from that key. Updates the payout wallet, mode and capabilities, marks the miner online, and
//   renews every live lease it holds (now + lease TTL, capped by the job's max runtime).
//   Refuses (before writing): a key bound to another miner id, a miner id of another key, a
//   malformed public key. Ledger: registration and capability changes (not every beat).

import { canonicalJson } from "../core/canonical.ts";
import { isLeaseLive, renewedExpiry } from "../core/job-life.ts";
import type { Miner, MinerCapabilities } from "../core/model.ts";
import { publicKeyObject } from "../core/receipt.ts";
import { REPUTATION_START } from "../core/reputation.ts";
import { errors } from "../errors.ts";
import type { Tx } from "../store/types.ts";
import type { OpsContext } from "./context.ts";

export interface HeartbeatInput {
  keyId: string;
  minerId: string;
  wallet: string;
  mode: "gpu" | "cpu";
  gpu: boolean;
  capabilities: MinerCapabilities | null;
}

export interface HeartbeatResult {
  miner: Miner;
  registered: boolean;
  leasesRenewed: number;
}

function checkPublicKey(publicKey: string): void {
  try {
    publicKeyObject(publicKey);
  } catch {
    throw errors.error("INVALID_PUBLIC_KEY", { field: "body.capabilities.public_key" });
  }
}

function described(miner: Miner) {
  return {
    miner_id: miner.id,
    key_id: miner.keyId,
    wallet: miner.wallet,
    mode: miner.mode,
    gpu: miner.gpu,
    capabilities: miner.capabilities === null ? null : JSON.parse(canonicalJson(miner.capabilities)),
    public_key: miner.publicKey,
  };
}

export async function heartbeat(tx: Tx, ctx: OpsContext, input: HeartbeatInput): Promise<HeartbeatResult> {
  const key = await tx.keyById(input.keyId);
  if (!key || key.revokedAt !== null) throw errors.error("UNAUTHORIZED");
  if (key.minerId !== null && key.minerId !== input.minerId) {
    throw errors.error("KEY_BOUND_TO_OTHER_MINER", { miner_id: input.minerId, bound_to: key.minerId });
  }
  const publicKey = input.capabilities?.public_key ?? null;
  if (publicKey !== null) checkPublicKey(publicKey);
  const existing = await tx.miner(input.minerId);
  if (existing && existing.keyId !== key.id) throw errors.error("MINER_ID_TAKEN", { miner_id: input.minerId });

  const declared = {
    wallet: input.wallet,
    mode: input.mode,
    gpu: input.gpu,
    capabilities: input.capabilities ?? existing?.capabilities ?? null,
    publicKey: publicKey ?? existing?.publicKey ?? null,
  };
  let miner: Miner;
  if (!existing) {
    miner = {
      id: input.minerId,
      keyId: key.id,
      ...declared,
      draining: false,
      online: true,
      registeredAt: tx.now,
      lastSeenAt: tx.now,
      reputation: REPUTATION_START,
    };
    await tx.insertMiner(miner);
    await tx.updateKey({ ...key, minerId: miner.id });
    await tx.record("coordinator.miner.registered", described(miner));
  } else {
    miner = { ...existing, ...declared, online: true, lastSeenAt: tx.now };
    await tx.updateMiner(miner);
    if (canonicalJson(described(existing)) !== canonicalJson(described(miner))) {
      await tx.record("coordinator.miner.updated", described(miner));
    }
  }
  let leasesRenewed = 0;
  for (const assignment of await tx.liveAssignmentsOf(miner.id)) {
    if (!isLeaseLive(assignment, tx.now)) continue;
    const leaseExpiresAt = renewedExpiry(assignment, tx.now, ctx.policy.leaseTtlS);
    if (leaseExpiresAt !== assignment.leaseExpiresAt) await tx.updateAssignment({ ...assignment, leaseExpiresAt });
    leasesRenewed++;
  }
  return { miner, registered: !existing, leasesRenewed };
}
