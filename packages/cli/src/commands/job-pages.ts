// One page of `pithead jobs list`. The coordinator pages jobs newest first, filtered by state; it has
// no workload filter, so --workload is matched here: its pages are read until `limit` jobs match
// (or MAX_SCANNED_PAGES pages are read), and the cursor handed on is always the coordinator's own,
// so any list goes on from it. A page cut short after its last match is asked again, only as far as
// that job, for the coordinator's cursor right after it.
import type { JobView } from "@pithead/coordinator";

export interface JobPage {
  jobs: JobView[];
  next_cursor: string | null;
}

export type FetchJobPage = (query: { limit: number; cursor?: string | undefined }) => Promise<JobPage>;

/** The most jobs the coordinator hands out in one page (its JobListQuery's maximum). */
const MAX_PAGE = 500;
/** Pages a --workload list reads at most before it stops, with a cursor to go on from. */
export const MAX_SCANNED_PAGES = 20;

export async function jobPage(
  fetchPage: FetchJobPage,
  query: { limit: number; cursor?: string | undefined; workload?: string | undefined },
  maxPages = MAX_SCANNED_PAGES,
): Promise<JobPage> {
  if (query.workload === undefined) return fetchPage({ limit: query.limit, cursor: query.cursor });
  const size = Math.min(MAX_PAGE, Math.max(100, query.limit));
  const found: JobView[] = [];
  let cursor = query.cursor;
  for (let pages = 1; ; pages++) {
    const page = await fetchPage({ limit: size, cursor });
    for (const [index, job] of page.jobs.entries()) {
      if (job.workload !== query.workload) continue;
      found.push(job);
      if (found.length < query.limit) continue;
      if (index === page.jobs.length - 1) return { jobs: found, next_cursor: page.next_cursor };
      // Newer jobs submitted meanwhile can only move this cursor back (a job shown again), never skip one.
      const upToHere = await fetchPage({ limit: index + 1, cursor });
      return { jobs: found, next_cursor: upToHere.next_cursor };
    }
    if (page.next_cursor === null || pages >= maxPages) return { jobs: found, next_cursor: page.next_cursor };
    cursor = page.next_cursor;
  }
}
