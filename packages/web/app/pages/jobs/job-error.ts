// Why a job ended, said once: a canceled job's code (CANCELED) only repeats its state, so the state
// badge stands for it and its message ("canceled by the client") is what is added.

import type { Job } from "../../api/coordinator.ts";

/** The error code to show beside the state, or null where there is none or it repeats the state. */
export function errorCodeBesideState(job: Pick<Job, "state" | "error">): string | null {
  return job.error && job.error.code !== job.state ? job.error.code : null;
}

/** "WORKLOAD_FAILED: exit 1", or only "canceled by the client" where the code is the state. */
export function errorText(job: Pick<Job, "state" | "error">): string {
  if (!job.error) return "";
  const code = errorCodeBesideState(job);
  return code ? `${code}: ${job.error.message}` : job.error.message;
}
