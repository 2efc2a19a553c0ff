// Contract: claimJobs
//   Leases up to `maxJobs` jobs to one miner, never letting it hold more than its free slots
//   (the slots it asked with, its declared concurrency, the coordinator's per-miner limit). Jobs it
//   names as done (finished here, proof on the way) and still holds leased do not take its slots.
//   Only jobs whose constraints the miner satisfies, one replica per miner and per wallet, in queue
//   order. Refuses (before writing): an unregistered miner, a miner id bound to another key.
//   A draining miner gets nothing. Writes per job: the assignment (token + expiry), the job's open
//   replicas and state, a ledger record; and the miner's last-seen time.
import { timeOrderedId } from "../core/ids.ts";
import { isoTime } from "../core/iso-time.ts";
import { newLease, takeSlot } from "../core/job-life.ts";
import { leaseToken } from "../core/lease-token.ts";
import { canReceiveWork, freeSlots, minerWorkloads, mismatch } from "../core/matching.ts";
import type { Assignment, Job, Miner } from "../core/model.ts";
import { errors } from "../errors.ts";
import type { Tx } from "../store/types.ts";
import type { OpsContext } from "./context.ts";
import { saveJob } from "./job-writes.ts";
import { minerIdTaken } from "./keys.ts";

export interface ClaimInput {
  keyId: string;
  minerId: string;
  maxJobs: number;
  /** In-flight limit the miner asked for (`slots=` / MAX_CONCURRENCY). */
  slots: number;
  /** Jobs the miner has finished whose proofs or fails are on their way (`done=`). */
  done?: readonly string[];
}

export interface Claimed {
  job: Job;
  assignment: Assignment;
}

/** Candidate pages scanned per claim: bounds the work when many queued jobs do not fit this miner. */
const MAX_PAGES = 8;

/** Candidates read per page by a claim for `want` jobs: room for some that do not fit the miner. */
export const candidatePageSize = (want: number) => Math.max(16, want * 2);

export async function registeredMiner(tx: Tx, keyId: string, minerId: string): Promise<Miner> {
  const miner = await tx.miner(minerId);
  if (!miner) throw errors.error("MINER_NOT_REGISTERED", { miner_id: minerId });
  if (miner.keyId !== keyId) throw await minerIdTaken(tx, miner);
  return miner;
}

async function lease(tx: Tx, ctx: OpsContext, job: Job, miner: Miner): Promise<Claimed> {
  const times = newLease(tx.now, job, ctx.policy.leaseTtlS);
  const slot = takeSlot(job);
  const assignment: Assignment = {
    id: timeOrderedId(),
    jobId: job.id,
    minerId: miner.id,
    wallet: miner.wallet,
    leaseToken: leaseToken(),
    attempt: slot.attempt,
    state: "LEASED",
    leasedAt: tx.now,
    leaseExpiresAt: times.expiresAt,
    leaseCapAt: times.capAt,
    proof: null,
    provedAt: null,
    proofSeq: null,
    verdict: null,
    paid: 0,
    proofAnswer: null,
    failCode: null,
    failMessage: null,
    endedAt: null,
  };
  await tx.insertAssignment(assignment);
  const saved = await saveJob(tx, job, {
    ...slot.job,
    leasesIssued: job.leasesIssued + 1,
    // The start deadline stays while other replica slots are still open: the sweeper closes those.
    startBy: job.openSlots > 1 ? job.startBy : null,
    state: job.state === "QUEUED" ? "LEASED" : job.state,
  });
  await tx.record("coordinator.lease.granted", {
    job_id: job.id,
    miner_id: miner.id,
    wallet: miner.wallet,
    attempt: assignment.attempt,
    lease_expires_at: isoTime(assignment.leaseExpiresAt),
  });
  return { job: saved, assignment };
}

/** How many of `jobIds` have a lease held by this miner (others' jobs and finished ones do not count). */
async function leasedTo(tx: Tx, minerId: string, jobIds: readonly string[]): Promise<number> {
  let count = 0;
  for (const id of new Set(jobIds)) {
    const assignments = await tx.assignments(id);
    if (assignments.some((a) => a.minerId === minerId && a.state === "LEASED")) count++;
  }
  return count;
}

export async function claimJobs(tx: Tx, ctx: OpsContext, input: ClaimInput): Promise<Claimed[]> {
  const miner = await registeredMiner(tx, input.keyId, input.minerId);
  if (!canReceiveWork(miner)) return [];
  const inFlight = await tx.inFlight(miner.id);
  const finishing = await leasedTo(tx, miner.id, input.done ?? []);
  const want = Math.min(
    input.maxJobs,
    freeSlots(miner, inFlight, input.slots, ctx.policy.maxInFlightPerMiner, finishing),
  );
  if (want <= 0) return [];
  const claimed: Claimed[] = [];
  const pageSize = candidatePageSize(want);
  let afterSeq = 0;
  for (let page = 0; page < MAX_PAGES && claimed.length < want; page++) {
    const candidates = await tx.claimCandidates({
      minerId: miner.id,
      wallet: miner.wallet,
      workloads: minerWorkloads(miner),
      now: tx.now,
      limit: pageSize,
      afterSeq,
    });
    for (const job of candidates) {
      afterSeq = job.seq;
      if (claimed.length >= want) break;
      if (mismatch(job, miner) !== undefined) continue;
      claimed.push(await lease(tx, ctx, job, miner));
    }
    if (candidates.length < pageSize) break;
  }
  if (claimed.length > 0 || !miner.online) await tx.updateMiner({ ...miner, lastSeenAt: tx.now, online: true });
  return claimed;
}
