// Every miner the coordinator knows, for the submit form's warning: which workloads the online
// miners run is a question about all of them, not about the page of the table on screen. Read in
// pages of the most the coordinator gives at once; one answer for all but the largest fleets.

import type { MinerView } from "../../api/coordinator.ts";

export type FetchMinerPage = (after: string | undefined) => Promise<{ miners: MinerView[]; next_after: string | null }>;

/** The coordinator's largest page. */
export const ALL_MINERS_PAGE = 1000;
/** A runaway guard only (a cursor that does not move on): 100,000 miners. */
const MAX_PAGES = 100;

export async function readAllMiners(fetch: FetchMinerPage): Promise<MinerView[]> {
  const all: MinerView[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await fetch(after);
    all.push(...page.miners);
    if (page.next_after === null || page.next_after === after) break;
    after = page.next_after;
  }
  return all;
}
