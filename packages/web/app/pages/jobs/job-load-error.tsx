// Why the job page has no job. An id that is no job (mistyped, cut short when copied, or of a job
// another coordinator holds) cannot be helped by "Try again": the page says so plainly and offers
// the Jobs list instead, rather than the service's "params.id must match format "uuid"".

import { ApiError } from "../../api/http.ts";
import { ErrorNotice } from "../../components/notice.tsx";
import { Link } from "../../lib/router.tsx";

/** The sentence for an id the coordinator does not know or cannot read as a job id; undefined for other errors. */
export function missingJob(error: unknown): string | undefined {
  if (!(error instanceof ApiError) || error.service !== "coordinator") return undefined;
  if (error.status === 404 && error.code === "JOB_NOT_FOUND") return "No job with that id.";
  if ((error.status === 400 || error.status === 422) && error.message.includes("params.id"))
    return "That is not a job id: job ids look like 019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b.";
  return undefined;
}

export function JobLoadError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const missing = missingJob(error);
  if (!missing) return <ErrorNotice error={error} onRetry={onRetry} />;
  return (
    <div className="notice notice-error" role="alert">
      <span>{missing}</span> <Link to="/jobs">See the jobs list</Link>
    </div>
  );
}
