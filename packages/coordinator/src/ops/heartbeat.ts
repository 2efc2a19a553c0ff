// Contract: heartbeat
//   First contact registers the miner and binds its id to the calling key; later ones must come
//   from that key. Updates the payout wallet, mode and capabilities, marks the miner online, and
//   renews the live leases it holds (now + lease TTL, capped by the job's max runtime).
//   With `jobs` (the jobs the miner says it holds: running, or a result not yet delivered), only
//   the listed leases are renewed, and each listed job it no longer holds is answered as lost with
//   the reason (canceled, expired, ...), so the miner stops working on it. Its other leases are
//   left as they are, neither renewed nor taken back: a job on its way to the miner (leased by a
//   claim whose answer it has not read yet) is on no list yet, and the lease its claim gave lasts
//   until the next beat lists it; a job the miner dropped (it could not record its result) is on
//   no list again, and its lease expires. With `jobsComplete` too (the list is all it holds), the
//   others are given back at once: a miner restarted after a crash
//   releases the leases of the jobs it lost at once, each costing the job one attempt as the
//   lease's expiry would have, instead of keeping them alive with its beats until max_runtime_s.
//   Without `jobs` (the seed's miner.sh) every live lease is renewed.
//   `stopping` (the miner's shutdown grace) is kept until a beat without it: meanwhile the miner
//   is handed no new job (its claims answer empty) and its leases are renewed as usual.
//   The payout wallet: a miner key bound to a wallet (by the admin who created it) is paid into
//   that wallet only. An unbound key may newly name (at registration, or as a change) only a wallet
//   that belongs to no other key: not the payout wallet of another key's miner (now, or one it was
//   paid into before it moved on), nor bound to another miner key, nor a client key's wallet (whose
//   client would spend what the miner earns). Otherwise a miner key could read another tenant's
//   balance just by naming its wallet. Repeating the miner's current wallet is never refused, so miners that shared a
//   wallet before this rule keep being paid.
//   One process per miner id: while the id is online (heard within the heartbeat timeout, not
//   stopping) with one proof-signing public key, a beat with another key is refused (409
//   MINER_ID_IN_USE): two processes sharing MINER_ID and API_KEY would otherwise re-register their
//   own keys in turn and fail each other's proofs BAD_SIGNATURE. The one already registered keeps
//   working; the other is taken once the first stops (a beat with `stopping`: at once) or has been
//   silent for the heartbeat timeout (it died, or a restarted miner whose WORK_DIR and so its key
//   were wiped: it waits at most that long).
//   Refuses (before writing): a key bound to another miner id, a miner id of another key, a
//   malformed public key, another public key while the id is online as above, a wallet as above. Ledger: registration and capability changes (not
//   every beat), and a lease record for each lease given back.

import { canonicalJson } from "../core/canonical.ts";
import { isLeaseHeld } from "../core/hearing.ts";
import { renewedExpiry } from "../core/job-life.ts";
import {
  type ApiKeyRecord,
  type Assignment,
  isFinal,
  type Job,
  type Miner,
  type MinerCapabilities,
} from "../core/model.ts";
import { publicKeyObject } from "../core/receipt.ts";
import { REPUTATION_START } from "../core/reputation.ts";
import { errors } from "../errors.ts";
import type { Tx } from "../store/types.ts";
import { AssignmentSet } from "./assignment-set.ts";
import type { OpsContext } from "./context.ts";
import { minerIdTaken } from "./keys.ts";
import { loseLease } from "./settle.ts";

export interface HeartbeatInput {
  keyId: string;
  minerId: string;
  wallet: string;
  mode: "gpu" | "cpu";
  gpu: boolean;
  capabilities: MinerCapabilities | null;
  /** The jobs the miner holds (running or result undelivered); null: not said (renew every lease). */
  jobs?: readonly string[] | null;
  /** `jobs` is everything the miner holds: give back its other leases. */
  jobsComplete?: boolean;
  /** The miner is in its shutdown grace: no new job for it (a beat without the flag clears it). */
  stopping?: boolean;
}

export interface LostLease {
  id: string;
  /** JOB_CANCELED, JOB_COMPLETED, JOB_FAILED, JOB_EXPIRED, JOB_NOT_FOUND, LEASE_EXPIRED, ... */
  reason: string;
}

export interface HeartbeatResult {
  miner: Miner;
  registered: boolean;
  leasesRenewed: number;
  /** Jobs whose leases this beat renewed. */
  renewed: string[];
  /** Listed jobs this miner no longer holds a lease on, with why. */
  lost: LostLease[];
  /** Jobs whose leases were given back because the miner no longer holds them (jobsComplete). */
  released: string[];
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
  if (existing && existing.keyId !== key.id) throw await minerIdTaken(tx, existing);
  if (existing && publicKey !== null) checkOneProcess(existing, publicKey, tx.now, ctx.policy.heartbeatTimeoutS);
  await checkPayoutWallet(tx, key, existing, input.wallet);

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
      stopping: input.stopping === true,
      online: true,
      registeredAt: tx.now,
      lastSeenAt: tx.now,
      reputation: REPUTATION_START,
    };
    await tx.insertMiner(miner);
    await tx.updateKey({ ...key, minerId: miner.id });
    await tx.record("coordinator.miner.registered", described(miner));
  } else {
    miner = { ...existing, ...declared, stopping: input.stopping === true, online: true, lastSeenAt: tx.now };
    await tx.updateMiner(miner);
    if (canonicalJson(described(existing)) !== canonicalJson(described(miner))) {
      await tx.record("coordinator.miner.updated", described(miner));
    }
  }
  const leases = await settleLeases(tx, ctx, miner.id, input);
  return { miner, registered: !existing, leasesRenewed: leases.renewed.length, ...leases };
}

/** Refuses a second process (another public key) while the miner id is online with its own. */
function checkOneProcess(existing: Miner, publicKey: string, now: number, heartbeatTimeoutS: number): void {
  if (existing.publicKey === null || existing.publicKey === publicKey) return;
  const freeAt = existing.lastSeenAt + heartbeatTimeoutS * 1000;
  if (!existing.online || existing.stopping || now >= freeAt) return;
  throw errors.error(
    "MINER_ID_IN_USE",
    {
      miner_id: existing.id,
      field: "body.capabilities.public_key",
      last_seen_at: new Date(existing.lastSeenAt).toISOString(),
      accepted_from: new Date(freeAt).toISOString(),
      heartbeat_timeout_s: heartbeatTimeoutS,
    },
    `Another process is running as miner ${existing.id} with another proof-signing key (last heard ${new Date(existing.lastSeenAt).toISOString()}): two processes with one MINER_ID would fail each other's proofs. Stop one, or give each its own MINER_ID. This key is accepted once the other stops, or after it has been silent for the heartbeat timeout (${heartbeatTimeoutS} s, at ${new Date(freeAt).toISOString()}): a miner restarted with a new key waits at most that long.`,
  );
}

/** The payout wallet rules of the contract above. */
async function checkPayoutWallet(
  tx: Tx,
  key: ApiKeyRecord,
  existing: Miner | undefined,
  wallet: string,
): Promise<void> {
  if (key.wallet !== null) {
    if (wallet === key.wallet) return;
    throw errors.error(
      "KEY_BOUND_TO_OTHER_WALLET",
      { field: "body.wallet", wallet, bound_to: key.wallet },
      `This miner key is bound to wallet ${key.wallet}: its miner is paid into that wallet only, not into ${wallet}. Set the miner's wallet to ${key.wallet} (WALLET_ADDR), or use a key bound to ${wallet}`,
    );
  }
  if (existing?.wallet === wallet) return;
  if (await tx.clientKeyWallet(wallet)) {
    throw errors.error(
      "WALLET_IN_USE",
      { field: "body.wallet", wallet },
      `Wallet ${wallet} belongs to a client key, which pays for jobs from it: a miner paid into it would be paying that client. Set another WALLET_ADDR, or, to pay this miner into ${wallet} on purpose, use a miner key bound to it: pithead keys create --role miner --wallet ${wallet}`,
    );
  }
  if (!(await tx.walletOfOtherKey(wallet, key.id))) return;
  // Nothing about the other key or its miner is said: that is the other tenant's business.
  throw errors.error(
    "WALLET_IN_USE",
    { field: "body.wallet", wallet },
    `Wallet ${wallet} already belongs to another miner key (its miner is paid into it, or the key is bound to it). To pay this miner into ${wallet} too, use a miner key bound to it: pithead keys create --role miner --wallet ${wallet}`,
  );
}

/** Renews, reports lost and gives back leases as the contract above says. */
async function settleLeases(
  tx: Tx,
  ctx: OpsContext,
  minerId: string,
  input: HeartbeatInput,
): Promise<Pick<HeartbeatResult, "renewed" | "lost" | "released">> {
  const listed = input.jobs ? new Set(input.jobs) : undefined;
  const renewed: string[] = [];
  const released: string[] = [];
  for (const assignment of await tx.liveAssignmentsOf(minerId)) {
    // An expired lease the sweeper has not reached yet is not renewed: it is lost (listed, it is
    // reported below).
    if (!isLeaseHeld(assignment, tx.now, ctx.hearing?.since, ctx.policy.leaseTtlS)) continue;
    if (listed && !listed.has(assignment.jobId)) {
      if (input.jobsComplete) {
        await giveBack(tx, assignment);
        released.push(assignment.jobId);
      }
      continue;
    }
    const leaseExpiresAt = renewedExpiry(assignment, tx.now, ctx.policy.leaseTtlS);
    if (leaseExpiresAt !== assignment.leaseExpiresAt) await tx.updateAssignment({ ...assignment, leaseExpiresAt });
    renewed.push(assignment.jobId);
  }
  const lost: LostLease[] = [];
  for (const id of listed ?? []) {
    if (renewed.includes(id)) continue;
    const job = await tx.job(id);
    const mine = job ? (await tx.assignments(id)).filter((a) => a.minerId === minerId) : [];
    lost.push({ id, reason: whyNotHeld(job, mine.at(-1), tx.now) });
  }
  return { renewed, lost, released };
}

/**
 * A lease the miner says it no longer holds (it restarted and lost the job) ends now, as its expiry
 * would have ended it later: one attempt of the job, the replica back in the queue, and the miner
 * may take the job again (it is not a failure of the job on this miner).
 */
async function giveBack(tx: Tx, assignment: Assignment): Promise<void> {
  const job = await tx.job(assignment.jobId);
  if (!job) return;
  const assignments = await AssignmentSet.load(tx, job.id);
  const held = assignments.get(assignment.id) ?? assignment;
  await loseLease(
    tx,
    job,
    assignments,
    held,
    "expired",
    "NOT_RUNNING",
    "the miner's heartbeat no longer lists this job (the miner restarted without it)",
  );
  await assignments.save(tx);
}

/** Why a listed job is not (or no longer) leased to this miner: what the miner logs when it stops it. */
function whyNotHeld(job: Job | undefined, latest: Assignment | undefined, now: number): string {
  if (!job) return "JOB_NOT_FOUND";
  if (isFinal(job.state)) return `JOB_${job.state}`;
  if (!latest) return "LEASE_NOT_HELD";
  switch (latest.state) {
    case "LEASED":
      return latest.leaseExpiresAt <= now ? "LEASE_EXPIRED" : "LEASE_NOT_HELD";
    case "PROVED":
      return "PROVED";
    case "FAILED":
      return "LEASE_FAILED";
    default:
      return `LEASE_${latest.state}`;
  }
}
