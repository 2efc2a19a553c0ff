// `pithead jobs submit|get|list|result|receipt|watch|cancel`: the client side of the coordinator
// (the client key and options they share: jobs-client.ts; list and cancel: jobs-list.ts, jobs-cancel.ts).
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import {
  CoordinatorApiError,
  type CoordinatorClient,
  type JobResult,
  type SignedReceipt,
  type SubmitJobRequest,
} from "@pithead/coordinator";
import { type Command, InvalidArgumentError } from "commander";
import { writeProblem } from "../file-problem.ts";
import { EXIT_USAGE, fail, printResult } from "../output.ts";
import { spinner } from "../progress.ts";
import { CoordinatorLost, finalStates, followJob } from "./follow-job.ts";
import { registerJobCancelCommand } from "./jobs-cancel.ts";
import {
  type ClientOptions,
  client,
  describeJob,
  integer,
  jobId,
  removedOutput,
  withClientOptions,
} from "./jobs-client.ts";
import { registerJobListCommand } from "./jobs-list.ts";
import { failApi } from "./keys.ts";

function json(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('must be JSON, e.g. \'{"prompt":"hello"}\'');
  }
}

/** Follows the job's event stream until it is final (or the deadline passes): its last state. */
async function waitFinal(
  api: CoordinatorClient,
  id: string,
  seconds: number,
  onState: (state: string) => void,
): Promise<string> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), seconds * 1000);
  try {
    return await followJob(api, id, onState, {
      signal: controller.signal,
      patienceMs: seconds * 1000,
      onLost: (state) => onState(`${state || "…"} (coordinator unreachable, reconnecting)`),
    });
  } finally {
    clearTimeout(timer);
  }
}

function printJobResult(result: JobResult, options: { json?: boolean; output?: string }): void {
  if (options.output && result.output !== null) {
    try {
      writeFileSync(
        options.output,
        Buffer.from(result.output, result.output_encoding === "base64" ? "base64" : "utf8"),
      );
    } catch (error) {
      fail(`cannot write --output ${options.output}: ${writeProblem(options.output, error)}`, EXIT_USAGE);
    }
  }
  printResult(options.json === true, result, () =>
    [
      `output_sha ${result.output_sha}`,
      options.output && result.output !== null
        ? `output written to ${options.output}`
        : (result.output ?? "(no inline output)"),
      result.receipt ? `receipt ${result.receipt.receipt.receipt_id} (verify with \`pithead receipt verify\`)` : "",
    ]
      .filter(Boolean)
      .join("\n"),
  );
  // Asked for the output, and there is none to write (the miner sent only its hash): not a success.
  if (options.output && result.output === null)
    fail(
      `job ${result.job_id} has no inline output (its miner sent only output_sha): nothing written to ${options.output}`,
    );
}

export function registerJobCommands(program: Command): void {
  const jobs = program
    .command("jobs")
    .description("Submit jobs to a coordinator, list, follow and cancel them (client key)");

  withClientOptions(
    jobs
      .command("submit")
      .description("Submit a job; reward × replicas is escrowed from your wallet")
      .requiredOption("--workload <name>", "torch_bench, sd_infer, llm_gen, …")
      .option("--params <json>", "workload parameters as JSON", json)
      .option("--reward <amount>", "reward per replica (integer, smallest unit)", integer("--reward", 0), 0)
      .option("--replicas <n>", "replicate to n miners (verification: replicate)", integer("--replicas", 1))
      .option(
        "--quorum <q>",
        "with --replicas: agreeing proofs needed (default: a majority of the replicas)",
        integer("--quorum", 1),
      )
      .option("--ttl <seconds>", "give up if not started within this time", integer("--ttl", 1))
      .option("--max-runtime <seconds>", "a miner's time limit for the job", integer("--max-runtime", 1))
      .option("--max-attempts <n>", "lost leases per replica before the job fails", integer("--max-attempts", 1))
      .option("--gpu", "only miners with a GPU")
      .option("--min-vram <mb>", "only miners with this much VRAM", integer("--min-vram", 0))
      .option("--model <name...>", "only miners that have these models")
      .option("--wait <seconds>", "wait for the result up to this long", integer("--wait", 1)),
  ).action(
    async (
      options: ClientOptions & {
        workload: string;
        params?: unknown;
        reward: number;
        replicas?: number;
        quorum?: number;
        ttl?: number;
        maxRuntime?: number;
        maxAttempts?: number;
        gpu?: boolean;
        minVram?: number;
        model?: string[];
        wait?: number;
      },
    ) => {
      // A quorum means nothing without replicas: said, rather than submitting an unverified job.
      if (options.quorum !== undefined && !(options.replicas && options.replicas > 1)) {
        fail(
          `--quorum needs --replicas 2 or more (a quorum of agreeing proofs among replicated runs); without it the job is verification: none`,
          2,
        );
      }
      const { api, source } = client(options);
      const request: SubmitJobRequest = {
        workload: options.workload,
        reward: options.reward,
        ...(options.params !== undefined ? { params: options.params } : {}),
        ...(options.ttl ? { ttl_s: options.ttl } : {}),
        ...(options.maxRuntime ? { max_runtime_s: options.maxRuntime } : {}),
        ...(options.maxAttempts ? { max_attempts: options.maxAttempts } : {}),
        ...(options.replicas && options.replicas > 1
          ? {
              verification: {
                mode: "replicate" as const,
                replicas: options.replicas,
                ...(options.quorum ? { quorum: options.quorum } : {}),
              },
            }
          : {}),
        constraints: {
          ...(options.gpu ? { gpu: true } : {}),
          ...(options.minVram !== undefined ? { min_vram_mb: options.minVram } : {}),
          ...(options.model ? { models: options.model } : {}),
        },
      };
      try {
        const job = await api.submit(request, randomUUID());
        // Taken, but maybe never run as things are (no online miner offers the workload): said now,
        // on stderr, rather than when the job expires at its ttl.
        for (const warning of (job as { warnings?: { message: string }[] }).warnings ?? [])
          process.stderr.write(`warning: ${warning.message}\n`);
        if (!options.wait) {
          printResult(options.json === true, job, () => describeJob(job, options.url));
          return;
        }
        const progress = spinner(`job ${job.id} ${job.state}`);
        const state = await waitFinal(api, job.id, options.wait, (next) => progress.update(`job ${job.id} ${next}`));
        if (state !== "COMPLETED") {
          progress.fail(`job ${job.id} ${finalStates.has(state) ? state : `not finished after ${options.wait} s`}`);
          const now = await api.job(job.id);
          printResult(options.json === true, now, () => describeJob(now, options.url));
          process.exitCode = 1;
          return;
        }
        progress.succeed(`job ${job.id} COMPLETED`);
        printJobResult(await api.result(job.id), options);
      } catch (error) {
        failApi(error, source);
      }
    },
  );

  withClientOptions(
    jobs.command("get").description("Show a job and its leases").argument("<id>", "job id", jobId),
  ).action(async (id: string, options: ClientOptions) => {
    const { api, source } = client(options);
    try {
      const job = await api.job(id);
      // Why a waiting job may never run as things are (the coordinator's own matching, against the
      // miners online now): on stderr, as at submit, so --json stdout stays the job.
      for (const warning of (job as { warnings?: { message: string }[] }).warnings ?? [])
        process.stderr.write(`warning: ${warning.message}\n`);
      printResult(options.json === true, job, () =>
        [
          describeJob(job, options.url),
          ...(job.leases ?? []).map(
            (lease) =>
              `  lease ${lease.attempt} ${lease.miner_id} ${lease.state}${lease.error ? `: ${lease.error.code} ${lease.error.message}` : ""}${lease.verdict === "disagree" ? ": its output_sha disagreed with the quorum (not paid)" : ""}`,
          ),
        ].join("\n"),
      );
    } catch (error) {
      failApi(error, source);
    }
  });

  registerJobListCommand(jobs);

  withClientOptions(
    jobs
      .command("result")
      .description("Show a job's result and receipt (with --wait, wait for it)")
      .argument("<id>", "job id", jobId)
      .option("--wait <seconds>", "wait up to this long for the job to finish", integer("--wait", 1))
      .option("--output <file>", "write the output bytes to this file"),
  ).action(async (id: string, options: ClientOptions & { wait?: number; output?: string }) => {
    const { api, source } = client(options);
    try {
      if (options.wait) {
        await api.job(id);
        const progress = spinner(`waiting for job ${id}`);
        const state = await waitFinal(api, id, options.wait, (next) => progress.update(`job ${id} ${next}`));
        if (state === "COMPLETED") progress.succeed(`job ${id} ${state}`);
        else if (finalStates.has(state)) progress.fail(`job ${id} ${state}`);
        else {
          // Asking for the result now would only say "not ready" again, with a hint to wait.
          progress.fail(`job ${id} not finished after ${options.wait} s${state ? ` (${state})` : ""}`);
          fail(`job ${id} has no result yet: wait longer (--wait), or follow it with \`pithead jobs watch ${id}\``);
        }
      }
      printJobResult(await api.result(id), options);
    } catch (error) {
      if (error instanceof CoordinatorApiError && error.status === 425) {
        const state = typeof error.details?.state === "string" ? ` is ${error.details.state}:` : "";
        fail(`job ${id}${state} no result yet (try --wait 60)`);
      }
      // Exit 1 (the command ran and failed: there is no output to give), saying what is left.
      if (error instanceof CoordinatorApiError && error.code === "OUTPUT_REMOVED")
        fail(
          `job ${id} has no output any more [OUTPUT_REMOVED]: ${removedOutput(id, error.details?.output_sha, error.details?.removed_at, options.url).join("; ")}`,
        );
      failApi(error, source);
    }
  });

  withClientOptions(
    jobs
      .command("receipt")
      .description(
        "Show a completed job's signed receipt (it stays when the output is removed); --json prints what `pithead receipt verify` checks",
      )
      .argument("<id>", "job id", jobId)
      .option("--miner-id <id>", "a replicated job: the receipt of this miner's replica"),
  ).action(async (id: string, options: ClientOptions & { minerId?: string }) => {
    const { api, source } = client(options);
    const query = options.minerId ? `?miner_id=${encodeURIComponent(options.minerId)}` : "";
    try {
      const { body } = await api.request<SignedReceipt>("GET", `/v1/jobs/${encodeURIComponent(id)}/receipt${query}`);
      const r = body.receipt;
      printResult(
        options.json === true,
        body,
        () =>
          `receipt ${r.receipt_id} — job ${r.job_id} paid ${r.reward} to ${r.wallet} (miner ${r.miner_id}), output_sha ${r.output_sha}, ledger record ${r.ledger_seq}`,
      );
    } catch (error) {
      failApi(error, source);
    }
  });

  withClientOptions(
    jobs
      .command("watch")
      .description("Print each state change of a job until it is final")
      .argument("<id>", "job id", jobId),
  ).action(async (id: string, options: ClientOptions) => {
    // A reconnected stream starts with the job's current state again: print each version once.
    let printed = -1;
    const { api, source } = client(options);
    try {
      // Reached, allowed and the job there before following: a coordinator never reached is one
      // error line now, not "connection lost; reconnecting…" for a minute.
      await api.job(id);
      await followJob(
        api,
        id,
        (_state, data) => {
          const event = data as { state: string; at: string; version: number };
          if (event.version <= printed) return;
          printed = event.version;
          printResult(options.json === true, event, () => `${event.at}  ${event.state}`);
        },
        {
          onLost: () => process.stderr.write("connection to the coordinator lost; reconnecting…\n"),
          onBack: () => process.stderr.write("reconnected to the coordinator\n"),
        },
      );
    } catch (error) {
      if (error instanceof CoordinatorLost) fail(error.message);
      failApi(error, source);
    }
  });

  registerJobCancelCommand(jobs);
}
