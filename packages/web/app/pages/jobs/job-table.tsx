// The jobs, newest first, filtered by state, one page at a time.

import type { Job } from "../../api/coordinator.ts";
import { StateBadge } from "../../components/state-badge.tsx";
import { formatAgo, formatInteger, shortId } from "../../lib/format.ts";
import { Link } from "../../lib/router.tsx";
import { errorCodeBesideState } from "./job-error.ts";

/** What an empty list says: with a state filter there may well be jobs, just none in that state. */
export function noJobsText(state: string): string {
  return state === "" ? "No jobs yet. Submit one with the form." : `No ${state.toLowerCase()} jobs.`;
}

export function JobTable({ jobs, state = "" }: { jobs: Job[] /** The state filter, "" for all. */; state?: string }) {
  if (jobs.length === 0) return <p className="muted">{noJobsText(state)}</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Jobs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Workload</th>
            <th scope="col">State</th>
            <th scope="col" className="num">
              Reward
            </th>
            <th scope="col">Attempts</th>
            <th scope="col">Created</th>
            <th scope="col">Finished</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id}>
              <td>
                <Link to={`/jobs/${encodeURIComponent(job.id)}`} aria-label={`Job ${job.id}`}>
                  <code title={job.id}>{shortId(job.id)}</code>
                </Link>
              </td>
              <td>{job.workload}</td>
              <td>
                <StateBadge state={job.state} />
                {errorCodeBesideState(job) && <span className="muted"> {errorCodeBesideState(job)}</span>}
              </td>
              <td className="num">{formatInteger(job.reward)}</td>
              <td>{job.attempt}</td>
              <td>{formatAgo(job.created_at)}</td>
              <td>{job.finished_at ? formatAgo(job.finished_at) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
