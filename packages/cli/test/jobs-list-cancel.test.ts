// `pithead jobs list` and `pithead jobs cancel` against a real coordinator (SQLite, over HTTP): a
// client pages through its jobs newest first, by state and by workload, each page going on where the
// last one ended; a cancel ends a queued job and refunds its escrow, and a finished job is refused.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoordinatorClient, type JobView, type RunningCoordinator, startCoordinator } from "@pithead/coordinator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pithead } from "./support/run-pithead.ts";

const ADMIN_KEY = "ph_admin_0123456789ab_jobslistjobslistjobslist";
const dir = mkdtempSync(join(tmpdir(), "pithead-cli-jobs-list-"));
let coordinator: RunningCoordinator;
let clientKey: string;
let wallet: string;
/** The jobs submitted, oldest first: llm_gen, torch_bench, llm_gen, torch_bench, llm_gen. */
const submitted: JobView[] = [];

beforeAll(async () => {
  coordinator = await startCoordinator({
    flags: { port: "0", dataDir: join(dir, "coordinator"), adminKey: ADMIN_KEY },
    env: {},
    logger: false,
    sweeper: false,
  });
  const admin = new CoordinatorClient(coordinator.url, ADMIN_KEY);
  const created = await admin.createKey({ role: "client", label: "jobs list" });
  clientKey = created.key ?? "";
  wallet = created.wallet ?? "";
  await admin.fund(wallet, 1000);
  // No miner: the jobs stay QUEUED, their rewards escrowed.
  const client = new CoordinatorClient(coordinator.url, clientKey);
  for (const workload of ["llm_gen", "torch_bench", "llm_gen", "torch_bench", "llm_gen"]) {
    const params = workload === "llm_gen" ? { prompt: "abc", max_tokens: 4 } : { n: 16, iters: 1 };
    submitted.push(await client.submit({ workload, params, reward: 10 }));
  }
}, 60_000);
afterAll(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

const asClient = () => ({ env: { PITHEAD_KEY: clientKey } });
const newestFirst = (jobs: JobView[]) => [...jobs].reverse().map((job) => job.id);

async function listJson(args: string[]): Promise<{ jobs: JobView[]; next_cursor: string | null }> {
  const ran = await pithead(["jobs", "list", "--url", coordinator.url, "--json", ...args], asClient());
  expect(ran.stderr).toBe("");
  expect(ran.code).toBe(0);
  return JSON.parse(ran.stdout);
}

describe("pithead jobs submit", () => {
  it("says on stderr, and still submits, when no online miner offers the workload", async () => {
    // A client of its own: the list tests count the fixture client's jobs.
    const admin = new CoordinatorClient(coordinator.url, ADMIN_KEY);
    const other = await admin.createKey({ role: "client", label: "jobs submit" });
    await admin.fund(other.wallet ?? "", 100);
    const ran = await pithead(
      [
        "jobs",
        "submit",
        "--url",
        coordinator.url,
        "--workload",
        "sd_infer",
        "--params",
        '{"prompt":"a fox"}',
        "--reward",
        "5",
      ],
      { env: { PITHEAD_KEY: other.key ?? "" } },
    );
    expect(ran.code).toBe(0);
    expect(ran.stderr).toMatch(/^warning: .*sd_infer/m);
    expect(ran.stdout).toMatch(/QUEUED/);
  });
});

describe("pithead jobs list", () => {
  it("pages through the client's jobs newest first, each --cursor going on where the page before ended", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const { jobs, next_cursor }: { jobs: JobView[]; next_cursor: string | null } = await listJson([
        "--limit",
        "2",
        ...(cursor ? ["--cursor", cursor] : []),
      ]);
      seen.push(...jobs.map((job) => job.id));
      cursor = next_cursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(newestFirst(submitted));
  });

  it("--workload lists only that workload's jobs, and its cursor goes on to the next of them", async () => {
    const torch = submitted.filter((job) => job.workload === "torch_bench");
    const first = await listJson(["--workload", "torch_bench", "--limit", "1"]);
    expect(first.jobs.map((job) => job.id)).toEqual(newestFirst(torch).slice(0, 1));
    expect(first.next_cursor).not.toBeNull();
    const second = await listJson(["--workload", "torch_bench", "--limit", "1", "--cursor", String(first.next_cursor)]);
    expect(second.jobs.map((job) => job.id)).toEqual(newestFirst(torch).slice(1, 2));
    // The coordinator filters: an older llm_gen job does not make a next page that finds nothing.
    expect(second.next_cursor).toBeNull();
  });

  it("prints one line a job and the command for the next page", async () => {
    const ran = await pithead(["jobs", "list", "--url", coordinator.url, "--limit", "2"], asClient());
    expect(ran.code).toBe(0);
    const lines = ran.stdout.trim().split("\n");
    const [newest, next] = newestFirst(submitted);
    expect(lines[0]).toMatch(new RegExp(`^${newest}  QUEUED  llm_gen  reward 10 × 1`));
    expect(lines[1]).toMatch(new RegExp(`^${next}  QUEUED  torch_bench  reward 10 × 1`));
    expect(lines[2]).toMatch(new RegExp(`^more: pithead jobs list --url ${coordinator.url} --limit 2 --cursor \\S+$`));
    expect(lines).toHaveLength(3);
  });

  it("refuses a state that does not exist and a cursor the coordinator never handed out (exit 2)", async () => {
    const badState = await pithead(["jobs", "list", "--url", coordinator.url, "--state", "DONE"], asClient());
    expect(badState.code).toBe(2);
    expect(badState.stderr).toContain("must be one of QUEUED, LEASED, VERIFYING, COMPLETED, FAILED, CANCELED, EXPIRED");
    const badCursor = await pithead(["jobs", "list", "--url", coordinator.url, "--cursor", "nonsense"], asClient());
    expect(badCursor.code).toBe(2);
    expect(badCursor.stderr).toBe("error: --cursor nonsense is not a next_cursor this coordinator handed out\n");
  });
});

describe("pithead jobs cancel", () => {
  it("cancels a queued job, refunds its escrow, lists it as CANCELED; a second cancel is refused (exit 1)", async () => {
    const client = new CoordinatorClient(coordinator.url, clientKey);
    const job = submitted[0] as JobView;
    const before = (await client.balance()).balance;
    const ran = await pithead(["jobs", "cancel", job.id, "--url", coordinator.url], asClient());
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(new RegExp(`^${job.id}  CANCELED  llm_gen  reward 10 × 1`));
    expect(ran.stdout).toContain(`escrow refunded to ${wallet}`);
    expect((await client.balance()).balance).toBe(before + 10);
    expect((await client.job(job.id)).state).toBe("CANCELED");

    const canceled = await listJson(["--state", "canceled"]);
    expect(canceled.jobs.map((j) => j.id)).toEqual([job.id]);

    const again = await pithead(["jobs", "cancel", job.id, "--url", coordinator.url], asClient());
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`error: job ${job.id} is already CANCELED: there is nothing to cancel [JOB_FINAL]\n`);
  });

  it("does not cancel another client's job: it is not found for this key", async () => {
    const admin = new CoordinatorClient(coordinator.url, ADMIN_KEY);
    const other = await admin.createKey({ role: "client", label: "someone else" });
    const job = submitted[1] as JobView;
    const ran = await pithead(["jobs", "cancel", job.id, "--url", coordinator.url], {
      env: { PITHEAD_KEY: other.key ?? "" },
    });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain("[JOB_NOT_FOUND]");
    expect((await new CoordinatorClient(coordinator.url, clientKey).job(job.id)).state).toBe("QUEUED");
  });
});
