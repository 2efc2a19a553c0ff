// Why a job with open slots may never run as things are, judged by the claim path's own rules
// (matching.ts, and the claim query's one-live-replica-per-miner-and-wallet rule) against the miners
// online now. Pure; one source for the submit answer and GET /v1/jobs/{id}. Worded with counts and
// limits only: a client sees it about its own job, never another tenant's miner ids or wallets.
import { minerVramMb, minerWorkloads, mismatch } from "./matching.ts";
import { type Assignment, isFinal, type Job, type Miner } from "./model.ts";

/** What the warnings read of a job: a submitted one is judged before it is read back. */
export type WaitingJob = Pick<Job, "state" | "openSlots" | "workload" | "constraints" | "maxRuntimeS">;

export interface JobWarning {
  code: "NO_MINER_OFFERS_WORKLOAD" | "NO_MINER_MEETS_CONSTRAINTS" | "TOO_FEW_ELIGIBLE_MINERS";
  workload: string;
  message: string;
  /** NO_MINER_OFFERS_WORKLOAD: the workloads online miners offer (at most 20). */
  offered?: string[];
  /** NO_MINER_MEETS_CONSTRAINTS: the constraints that rule the offering miners out. */
  constraints?: string[];
  /** TOO_FEW_ELIGIBLE_MINERS: distinct wallets that may take a replica now, and the open replicas. */
  eligible?: number;
  open_slots?: number;
}

const MAX_OFFERED = 20;

/** Whether the job still waits for a miner: not finished, a replica still to hand out. */
export function awaitsMiner(job: Pick<Job, "state" | "openSlots">): boolean {
  return !isFinal(job.state) && job.openSlots > 0;
}

/** The constraint `mismatch` names, with the online miners' best value where one helps. */
function constraintOf(job: WaitingJob, reason: string, offering: readonly Miner[]): string {
  const c = job.constraints;
  if (reason === "needs a GPU") return "gpu (no online miner that offers it has a GPU)";
  if (reason.startsWith("needs ") && c.min_vram_mb !== undefined) {
    const largest = offering.reduce((max, miner) => Math.max(max, minerVramMb(miner)), 0);
    return `min_vram_mb ${c.min_vram_mb} (the largest online is ${largest})`;
  }
  if (reason.startsWith("lacks model ")) return `models (${reason.slice("lacks model ".length)} is not offered)`;
  if (reason.startsWith("not in region ")) return `region ${c.region}`;
  if (reason.startsWith("reputation below ")) {
    const best = offering.reduce((max, miner) => Math.max(max, miner.reputation), 0);
    return `min_reputation ${c.min_reputation} (the highest online is ${best})`;
  }
  if (reason.startsWith("runs at most ")) {
    const longest = offering.reduce(
      (max, miner) => Math.max(max, miner.capabilities?.limits?.max_runtime_s ?? Number.POSITIVE_INFINITY),
      0,
    );
    return `max_runtime_s ${job.maxRuntimeS} (online miners run at most ${longest} s)`;
  }
  return reason;
}

/**
 * The warnings for `job` given the miners online now (`online`: heard within the heartbeat timeout,
 * not drained) and its assignments. Empty for a job that does not wait for a miner.
 */
export function jobWarnings(
  job: WaitingJob,
  online: readonly Miner[],
  assignments: readonly Assignment[],
): JobWarning[] {
  if (!awaitsMiner(job)) return [];
  const offering = online.filter((miner) => minerWorkloads(miner).includes(job.workload));
  if (offering.length === 0) {
    const offered = [...new Set(online.flatMap((miner) => minerWorkloads(miner)))].sort().slice(0, MAX_OFFERED);
    const others = offered.length === 0 ? "no miner is online" : `online miners offer ${offered.join(", ")}`;
    return [
      {
        code: "NO_MINER_OFFERS_WORKLOAD",
        workload: job.workload,
        offered,
        message: `No online miner offers ${job.workload} now (${others}): the job is queued and waits for a miner that runs it, and expires at ttl_s (start_by) if none takes it. A miner offers a workload by declaring it in capabilities.workloads; one that declares none (the seed's miner.sh) runs torch_bench only.`,
      },
    ];
  }
  const reasons = new Map<string, string>();
  const eligible: Miner[] = [];
  for (const miner of offering) {
    const reason = mismatch(job, miner);
    if (reason === undefined) eligible.push(miner);
    else if (!reasons.has(reason)) reasons.set(reason, constraintOf(job, reason, offering));
  }
  if (eligible.length === 0) {
    const constraints = [...new Set(reasons.values())].sort();
    return [
      {
        code: "NO_MINER_MEETS_CONSTRAINTS",
        workload: job.workload,
        constraints,
        message: `${offering.length} online miner(s) offer ${job.workload}, but none meets the job's constraints: needs ${constraints.join("; ")}. The job waits for one that does and expires at ttl_s (start_by) if none takes it.`,
      },
    ];
  }
  // The claim query's rule: a miner takes one replica of a job (a lost lease included), a wallet
  // holds one live replica at a time. So the replicas still open need that many distinct wallets.
  const minersUsed = new Set(assignments.filter((a) => a.state !== "EXPIRED").map((a) => a.minerId));
  const walletsLive = new Set(
    assignments.filter((a) => a.state === "LEASED" || a.state === "PROVED").map((a) => a.wallet),
  );
  const wallets = new Set(
    eligible.filter((m) => !minersUsed.has(m.id) && !walletsLive.has(m.wallet)).map((m) => m.wallet),
  );
  if (wallets.size >= job.openSlots) return [];
  return [
    {
      code: "TOO_FEW_ELIGIBLE_MINERS",
      workload: job.workload,
      eligible: wallets.size,
      open_slots: job.openSlots,
      message: `${job.openSlots} replica(s) still need a miner, but only ${wallets.size} online miner wallet(s) may take one (replicas go to distinct miners and distinct wallets, and a miner that already took a replica of this job takes no other). The job waits for more and expires at ttl_s (start_by) if they do not come.`,
    },
  ];
}
