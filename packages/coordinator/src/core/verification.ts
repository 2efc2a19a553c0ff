// Quorum: when do the proofs of a job settle it? Pure.
//  - mode "none": the first valid proof completes the job.
//  - mode "replicate" (r replicas, quorum q): complete when q proofs agree on output_sha; fail as
//    soon as no group can reach q even if every replica still out (leased, or open and not past
//    its start deadline) agrees with it.
import type { Assignment, Job } from "./model.ts";

export type QuorumDecision =
  | { outcome: "pending" }
  | { outcome: "completed"; outputSha: string; agreeing: Assignment[]; disagreeing: Assignment[] }
  | { outcome: "no_quorum"; groups: Record<string, number> };

export function decideQuorum(
  job: Pick<Job, "verification" | "quorum" | "openSlots">,
  assignments: readonly Assignment[],
): QuorumDecision {
  const proved = assignments
    .filter((assignment) => assignment.state === "PROVED" && assignment.proof !== null)
    .sort((a, b) => (a.provedAt ?? 0) - (b.provedAt ?? 0) || a.id.localeCompare(b.id));
  const needed = job.verification === "none" ? 1 : job.quorum;
  const groups = new Map<string, Assignment[]>();
  for (const assignment of proved) {
    const sha = assignment.proof?.outputSha ?? "";
    const group = groups.get(sha) ?? [];
    group.push(assignment);
    groups.set(sha, group);
  }
  for (const [outputSha, group] of groups) {
    if (group.length >= needed) {
      const agreeing = group.slice(0, needed);
      const disagreeing = proved.filter((assignment) => assignment.proof?.outputSha !== outputSha);
      return { outcome: "completed", outputSha, agreeing, disagreeing };
    }
  }
  const largest = Math.max(0, ...[...groups.values()].map((group) => group.length));
  // Open slots count only while they may still be leased: the sweeper closes them at their deadline.
  const stillOut = job.openSlots + assignments.filter((assignment) => assignment.state === "LEASED").length;
  if (largest + stillOut < needed) {
    return { outcome: "no_quorum", groups: Object.fromEntries([...groups].map(([sha, g]) => [sha, g.length])) };
  }
  return { outcome: "pending" };
}
