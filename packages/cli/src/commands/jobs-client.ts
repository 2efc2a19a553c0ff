// What every `pithead jobs` command shares: the coordinator URL and client key options, the client
// key from PITHEAD_KEY (or another variable named by --key-env; never a flag, which `ps` would show),
// else, for a coordinator on this machine, the client key `pithead up` keeps in <data>/keys.json;
// argument parsers; a job as one line of text.
import { join } from "node:path";
import { CoordinatorClient, type JobView } from "@pithead/coordinator";
import { type Command, InvalidArgumentError } from "commander";
import { coordinatorUrlOf } from "../coordinator-url.ts";
import { exitCodesHelp } from "../exit-help.ts";
import { upDataDir, upKey, upKeysProblem } from "../local-keys.ts";
import { fail } from "../output.ts";
import type { KeyInUse } from "./keys.ts";

const DEFAULT_FAILED =
  "the coordinator refused the request or could not be reached; with --wait, the job ended other than COMPLETED or did not finish in time";

export interface ClientOptions {
  url?: string;
  keyEnv: string;
  json?: boolean;
}

export function withClientOptions(command: Command, failed = DEFAULT_FAILED): Command {
  return command
    .option("--url <url>", "coordinator URL [PITHEAD_URL, COORD_URL] (default: http://127.0.0.1:8080)")
    .option("--key-env <name>", "environment variable holding the client key", "PITHEAD_KEY")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      exitCodesHelp({
        failed,
      }),
    );
}

/** The client key (and where it came from): ${--key-env}, else `pithead up`'s keys.json. */
function clientKeyOf(options: ClientOptions, url: string): KeyInUse | undefined {
  const fromEnv = process.env[options.keyEnv];
  if (fromEnv) return { key: fromEnv, source: options.keyEnv };
  const fromUp = upKey("client", url, upDataDir());
  return fromUp ? { key: fromUp, source: `${join(upDataDir(), "keys.json")} (pithead up's keys)` } : undefined;
}

/** The client for a command, and where its key came from (named by failApi when it is refused). */
export function client(options: ClientOptions): { api: CoordinatorClient; source: string } {
  const url = coordinatorUrlOf(options.url);
  const found = clientKeyOf(options, url);
  if (!found) {
    const upFile = upKeysProblem("client", upDataDir(), url);
    fail(
      `no client key: set ${options.keyEnv} (create one with \`pithead keys create --role client\`), or run beside the ${upDataDir()}/keys.json of \`pithead up\`${upFile ? `; ${upFile}` : ""}`,
    );
  }
  return { api: new CoordinatorClient(url, found.key), source: found.source };
}

export function integer(name: string, min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return Number(value);
  };
}

/**
 * A job id argument: a UUID, refused here with an example rather than by the server's schema; any
 * case, sent lowercase (the form the coordinator keeps, which older coordinators insist on).
 */
export function jobId(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    throw new InvalidArgumentError("must be a job id, a UUID such as 01a202e5-1f38-72d2-966a-a0639720a295");
  }
  return value.toLowerCase();
}

/** `url`: the --url the command was given, carried into the commands it suggests. */
export function describeJob(job: JobView, url?: string): string {
  const error = job.error ? ` ${job.error.code}: ${job.error.message}` : "";
  const line = `${job.id}  ${job.state}  ${job.workload}  reward ${job.reward} × ${job.verification.replicas}  attempt ${job.attempt}${error}`;
  if (!job.output_removed_at) return line;
  return [line, ...removedOutput(job.id, job.output_sha, job.output_removed_at, url).map((more) => `  ${more}`)].join(
    "\n",
  );
}

/** A removed output: what is left (the hash, the signed receipt) and how to get the receipt. */
export function removedOutput(id: string, outputSha: unknown, removedAt: unknown, url?: string): string[] {
  const where = url === undefined ? "" : ` --url ${url}`;
  return [
    `output removed ${String(removedAt)} (the coordinator's result retention); output_sha ${String(outputSha)}`,
    `its signed receipt remains: pithead jobs receipt ${id}${where} --json > receipt.json && pithead receipt verify receipt.json`,
  ];
}
