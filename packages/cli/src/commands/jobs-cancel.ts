// `pithead jobs cancel <id>`: POST /v1/jobs/{id}/cancel. Leases still out are voided and what is
// still escrowed goes back to the client's wallet; a finished job cannot be canceled (409 JOB_FINAL).
import { CoordinatorApiError, type JobView } from "@pithead/coordinator";
import type { Command } from "commander";
import { fail, printResult } from "../output.ts";
import { type ClientOptions, client, describeJob, jobId, withClientOptions } from "./jobs-client.ts";
import { failApi } from "./keys.ts";

export function registerJobCancelCommand(jobs: Command): void {
  withClientOptions(
    jobs
      .command("cancel")
      .description("Cancel a job that has not finished: leases are voided and the escrow left is refunded")
      .argument("<id>", "job id", jobId),
    "the job is already finished (nothing to cancel), is not yours, or the coordinator refused or could not be reached",
  ).action(async (id: string, options: ClientOptions) => {
    const { api, source } = client(options);
    try {
      const { body: job } = await api.request<JobView>("POST", `/v1/jobs/${encodeURIComponent(id)}/cancel`);
      printResult(
        options.json === true,
        job,
        () => `${describeJob(job, options.url)}\nescrow refunded to ${job.client}`,
      );
    } catch (error) {
      if (error instanceof CoordinatorApiError && error.code === "JOB_FINAL") {
        const state = typeof error.details?.state === "string" ? error.details.state : "finished";
        fail(`job ${id} is already ${state}: there is nothing to cancel [JOB_FINAL]`);
      }
      failApi(error, source);
    }
  });
}
