// `pithead jobs list`: the client's jobs (an admin key's: every job), newest first, one page at a
// time, through GET /v1/jobs, filtered by the coordinator.
import { CoordinatorApiError, type JobState, type JobView } from "@pithead/coordinator";
import { type Command, InvalidArgumentError } from "commander";
import { fail, printResult } from "../output.ts";
import { type ClientOptions, client, describeJob, integer, withClientOptions } from "./jobs-client.ts";
import { failApi } from "./keys.ts";

const STATES: readonly JobState[] = ["QUEUED", "LEASED", "VERIFYING", "COMPLETED", "FAILED", "CANCELED", "EXPIRED"];

function state(value: string): JobState {
  const upper = value.toUpperCase() as JobState;
  if (!STATES.includes(upper)) throw new InvalidArgumentError(`must be one of ${STATES.join(", ")}`);
  return upper;
}

function limit(value: string): number {
  const n = integer("--limit", 1)(value);
  if (n > 500) throw new InvalidArgumentError("--limit must be an integer from 1 to 500");
  return n;
}

interface ListOptions extends ClientOptions {
  state?: JobState;
  workload?: string;
  limit: number;
  cursor?: string;
}

/** The same list's next page, as a command to paste. */
function nextCommand(options: ListOptions, cursor: string): string {
  const args = ["pithead jobs list"];
  if (options.url !== undefined) args.push(`--url ${options.url}`);
  if (options.state) args.push(`--state ${options.state}`);
  if (options.workload) args.push(`--workload ${options.workload}`);
  args.push(`--limit ${options.limit}`, `--cursor ${cursor}`);
  return args.join(" ");
}

export function registerJobListCommand(jobs: Command): void {
  withClientOptions(
    jobs
      .command("list")
      .description(
        "List your jobs (an admin key: every job), newest first, one page at a time; --cursor goes on where the last page ended",
      )
      .option("--state <state>", `only jobs in this state (${STATES.join(", ")})`, state)
      .option("--workload <name>", "only jobs of this workload (torch_bench, sd_infer, llm_gen, …)")
      .option("--limit <n>", "jobs per page, 1 to 500", limit, 50)
      .option("--cursor <cursor>", "the next_cursor of the page before"),
    "the coordinator refused the request or could not be reached",
  ).action(async (options: ListOptions) => {
    const { api, source } = client(options);
    const query = new URLSearchParams({ limit: String(options.limit) });
    if (options.state) query.set("state", options.state);
    if (options.workload) query.set("workload", options.workload);
    if (options.cursor !== undefined) query.set("cursor", options.cursor);
    try {
      const { body } = await api.request<{ jobs: JobView[]; next_cursor: string | null }>("GET", `/v1/jobs?${query}`);
      // A coordinator older than the workload filter ignored it: its page is matched here, so a
      // list is never wrong, only short.
      const page = {
        ...body,
        jobs: options.workload ? body.jobs.filter((job) => job.workload === options.workload) : body.jobs,
      };
      printResult(options.json === true, page, () =>
        [
          ...(page.jobs.length === 0 ? ["no jobs"] : page.jobs.map((job) => describeJob(job, options.url))),
          ...(page.next_cursor ? [`more: ${nextCommand(options, page.next_cursor)}`] : []),
        ].join("\n"),
      );
    } catch (error) {
      // A cursor this coordinator never handed out is the command line's mistake.
      if (error instanceof CoordinatorApiError && error.code === "INVALID_CURSOR")
        fail(`--cursor ${options.cursor} is not a next_cursor this coordinator handed out`, 2);
      failApi(error, source);
    }
  });
}
