// What the online miners can take, for the submit form: a job for a workload none of them runs
// waits until its slots expire, and replicas go to distinct miners (distinct wallets), so more
// replicas than such miners cannot all be run.

import type { MinerView } from "../../api/coordinator.ts";
import type { Draft } from "./job-draft.ts";

/**
 * What the coordinator offers a miner that declares no workloads (the seed's miner.sh): torch_bench
 * only (`defaultWorkloads` in the coordinator's matching). Counting such a miner as running nothing
 * would warn of a torch_bench job it is about to take.
 */
const UNDECLARED_WORKLOADS: readonly string[] = ["torch_bench"];

/** The workloads the coordinator hands `miner`. */
export function minerWorkloads(miner: MinerView): readonly string[] {
  const declared = miner.capabilities?.workloads;
  return declared && declared.length > 0 ? declared : UNDECLARED_WORKLOADS;
}

/** Per workload, how many online miners with distinct wallets run it. */
export function onlineCapacity(miners: readonly MinerView[]): Map<string, number> {
  const wallets = new Map<string, Set<string>>();
  for (const miner of miners) {
    if (miner.status !== "online") continue;
    for (const workload of minerWorkloads(miner)) {
      const set = wallets.get(workload) ?? new Set<string>();
      set.add(miner.wallet);
      wallets.set(workload, set);
    }
  }
  return new Map([...wallets].map(([workload, set]) => [workload, set.size]));
}

/** A sentence to show before submitting, or null when the online miners can run the draft. */
export function capacityWarning(
  capacity: ReadonlyMap<string, number>,
  draft: Pick<Draft, "workload" | "verification" | "replicas">,
): string | null {
  const runners = capacity.get(draft.workload) ?? 0;
  if (runners === 0)
    return `No online miner runs ${draft.workload}: the job waits in the queue until one does, or its open slots expire and the escrow is refunded.`;
  const replicas = Number(draft.replicas);
  if (draft.verification === "replicate" && Number.isInteger(replicas) && replicas > runners)
    return `${replicas} replicas, but only ${runners} online miner${runners === 1 ? "" : "s"} (one per wallet) run${runners === 1 ? "s" : ""} ${draft.workload}: each replica needs a different one, so the job cannot finish until more are online.`;
  return null;
}
