// The job list's live state changes: an event patches its row at once, until the next refresh of
// the list shows the change itself. Only rows on screen are patched and a refresh drops what it
// covers, so the work per event stays the size of one page however long the tab is open.

import type { Job, JobEvent } from "../../api/coordinator.ts";

export type Patches = ReadonlyMap<string, JobEvent>;

/** The change as the coordinator sent it, or null for anything else on the stream. */
export function parseStateEvent(event: { event: string; data: string }): JobEvent | null {
  if (event.event !== "state") return null;
  try {
    const change = JSON.parse(event.data) as JobEvent;
    return typeof change?.job_id === "string" && typeof change.version === "number" ? change : null;
  } catch {
    return null;
  }
}

/** Keeps the newest change per job: a frame's events before they are applied together. */
export function keepNewest(pending: Map<string, JobEvent>, change: JobEvent): void {
  const held = pending.get(change.job_id);
  if (!held || change.version >= held.version) pending.set(change.job_id, change);
}

/** Applies a frame's changes of the rows on screen; changes of other jobs are dropped. */
export function foldChanges(patches: Patches, changes: Iterable<JobEvent>, onScreen: readonly Job[]): Patches {
  let next: Map<string, JobEvent> | undefined;
  for (const change of changes) {
    if (!onScreen.some((job) => job.id === change.job_id)) continue;
    const held = (next ?? patches).get(change.job_id);
    if (held && held.version > change.version) continue;
    next ??= new Map(patches);
    next.set(change.job_id, change);
  }
  return next ?? patches;
}

/** After the list was loaded again: only patches of rows still on screen that are newer than the row. */
export function prunePatches(patches: Patches, onScreen: readonly Job[]): Patches {
  if (patches.size === 0) return patches;
  const next = new Map<string, JobEvent>();
  for (const job of onScreen) {
    const change = patches.get(job.id);
    if (change && isNewer(change, job)) next.set(job.id, change);
  }
  return next;
}

function isNewer(change: JobEvent, job: Job): boolean {
  return change.version > 0 && new Date(change.at) >= new Date(job.updated_at) && change.state !== job.state;
}

/** The rows as shown: each with its live state where a newer change arrived. */
export function applyPatches(jobs: readonly Job[], patches: Patches): Job[] {
  return jobs.map((job) => {
    const change = patches.get(job.id);
    return change && isNewer(change, job) ? { ...job, state: change.state, updated_at: change.at } : job;
  });
}
