// `pithead up --postgres URL`: the same stack with the coordinator, the agent and the fleet ledger
// on PostgreSQL (a real server, embedded for the test run) instead of SQLite files.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signFleetRequest } from "@pithead/fleet/sign";
import type { TestDatabase } from "@pithead/testkit";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningUp, runPithead, startUp } from "./web-harness.ts";

const dataDir = mkdtempSync(join(tmpdir(), "pithead-up-pg-"));
const otherDataDir = mkdtempSync(join(tmpdir(), "pithead-up-pg-other-"));
const freePorts = ["--port", "0", "--coordinator-port", "0", "--agent-port", "0", "--fleet-port", "0"];
let db: TestDatabase;
let up: RunningUp;

beforeAll(async () => {
  // An empty database: every service migrates its own tables on start.
  db = await pgTestDatabase("up_postgres_empty", async () => {});
  up = await startUp(["--data", dataDir, "--postgres", db.url, "--miners", "6", ...freePorts]);
}, 180_000);

afterAll(async () => {
  if (up?.child.exitCode === null) await up.interrupt();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(otherDataDir, { recursive: true, force: true });
});

async function signedFleet(method: string, path: string): Promise<Response> {
  const headers = await signFleetRequest({
    operatorId: up.facts.keys.fleetOperator,
    secret: up.facts.keys.fleetSecret,
    method,
    path,
  });
  return fetch(`${up.facts.urls.fleet}${path}`, { method, headers });
}

describe("pithead up --postgres", () => {
  it("runs a job to completion, answers /complete and runs fleet cycles with everything in PostgreSQL", async () => {
    const { urls, keys } = up.facts;
    const client = { authorization: `Bearer ${keys.coordinatorClient}`, "content-type": "application/json" };
    const created = (await (
      await fetch(`${urls.coordinator}/v1/jobs`, {
        method: "POST",
        headers: client,
        body: JSON.stringify({ workload: "llm_gen", params: { prompt: "abc", max_tokens: 4 }, reward: 100 }),
      })
    ).json()) as { id: string };
    await expect
      .poll(
        async () =>
          (
            (await (await fetch(`${urls.coordinator}/v1/jobs/${created.id}`, { headers: client })).json()) as {
              state: string;
            }
          ).state,
        { timeout: 45_000, interval: 250 },
      )
      .toBe("COMPLETED");

    const answer = await fetch(`${urls.agent}/complete`, {
      method: "POST",
      headers: { "x-api-key": keys.agent, "content-type": "application/json" },
      body: JSON.stringify({ cid: "pg", task: "continue", input: [{ user_query: "abc" }] }),
    });
    expect(answer.status).toBe(200);

    expect((await signedFleet("POST", `/operators/${keys.fleetOperator}/loop/run-once`)).status).toBe(200);
    const verify = (await (await signedFleet("GET", `/operators/${keys.fleetOperator}/ledger/verify`)).json()) as {
      ok: boolean;
      records: number;
    };
    expect(verify.ok).toBe(true);
    expect(verify.records).toBeGreaterThan(0);

    // The records are in PostgreSQL, not in files under the data directory.
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      const jobs = await sql.query("SELECT count(*)::int AS n FROM jobs");
      expect(jobs.rows[0].n).toBe(1);
      const conversations = await sql.query(
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name LIKE '%conversation%'",
      );
      expect(conversations.rows[0].n).toBeGreaterThan(0);
    } finally {
      await sql.end();
    }
  });

  it("labels its admin key as the one in keys.json, not PITHEAD_ADMIN_KEY (which nobody set)", async () => {
    const { urls, keys } = up.facts;
    const listed = (await (
      await fetch(`${urls.coordinator}/v1/admin/keys`, {
        headers: { authorization: `Bearer ${keys.coordinatorAdmin}` },
      })
    ).json()) as { keys: { role: string; label: string | null }[] };
    expect(listed.keys.filter((key) => key.role === "admin").map((key) => key.label)).toEqual([
      "pithead up (keys.json)",
    ]);
  });

  it("says on the terminal when the coordinator stops taking the compute miner (its key revoked)", async () => {
    const { urls, keys, miner } = up.facts;
    const minerKey = (JSON.parse(readFileSync(join(dataDir, "keys.json"), "utf8")) as { miner: { id: string } }).miner;
    const revoked = await fetch(`${urls.coordinator}/v1/admin/keys/${minerKey.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${keys.coordinatorAdmin}` },
    });
    expect(revoked.status).toBe(200);
    await expect
      .poll(() => up.stderr(), { timeout: 45_000, interval: 250 })
      .toMatch(new RegExp(`✖ the compute miner ${miner.id}: the coordinator refuses this miner's credentials`));
  }, 60_000);

  it("stops cleanly on Ctrl-C", async () => {
    const { code, stderr } = await up.interrupt();
    expect(stderr).toContain("stopped cleanly");
    expect(code).toBe(0);
  }, 60_000);

  it("refuses to start with another --data on this database, whose ledgers that --data's keys did not sign", async () => {
    const other = await runPithead(
      ["up", "--json", "--show-keys", "--data", otherDataDir, "--postgres", db.url, ...freePorts],
      120_000,
    );
    expect(other.code).toBe(1);
    expect(other.stdout).toBe("");
    expect(other.stderr).toMatch(
      /error: this database belongs to another data directory: the coordinator's ledger is signed by pithead\.local \(key id [0-9a-f]{8}\), and \S+ does not exist; the coordinator's receipts are signed by key id [0-9a-f]{64}, and \S+receipt-signing\.key does not exist; the fleet's ledger is signed by pithead-fleet/,
    );
    expect(other.stderr).toContain(`Start with the --data that first ran with this database, or copy its keys.json`);
    expect(other.stderr).not.toContain("Pithead is running");
    // Refused before anything was written: no keys.json, no logs/ in the --data it named.
    expect(readdirSync(otherDataDir)).toEqual([]);
  }, 150_000);
});
