// Against a real coordinator: the Connections page's test checks each key for its field's role
// (before: a miner key typed as the client key read "✔ accepted: wallet up-miner", since
// /v1/wallet/balance answers every role, and submitting was then 403), and the submit form's
// parameter templates are jobs the coordinator takes (before: sd_infer's {} was refused,
// "params.prompt is required").

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCoordinator, startCoordinator } from "@pithead/coordinator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callJson, errorMessage } from "../app/api/http.ts";
import { buildJob, type Draft, withWorkload } from "../app/pages/jobs/job-draft.ts";
import { checkCoordinatorKey, type ReadWithKey } from "../app/session/key-role.ts";

const dataDir = mkdtempSync(join(tmpdir(), "pithead-web-key-roles-"));
let coordinator: RunningCoordinator;
const keys = { admin: "", client: "", miner: "" };

/** As the dashboard reads through its proxy, but straight at the coordinator. */
const read: ReadWithKey = (path, key) =>
  callJson("coordinator", `${coordinator.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

async function createKey(body: object): Promise<string> {
  const response = await fetch(`${coordinator.url}/v1/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${keys.admin}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return String(((await response.json()) as { key: string }).key);
}

/** The line the connection test shows: "✔ …" or "✖ …". */
async function line(field: "admin" | "client", key: string): Promise<string> {
  try {
    return `✔ ${await checkCoordinatorKey(field, key, read)}`;
  } catch (error) {
    return `✖ ${errorMessage(error)}`;
  }
}

beforeAll(async () => {
  coordinator = await startCoordinator({
    env: {},
    config: {
      dataDir,
      db: { kind: "sqlite", path: join(dataDir, "coordinator.db") },
      port: 0,
      host: "127.0.0.1",
      rateLimitPerMinute: 0,
    },
    logger: false,
    sweeper: false,
  });
  keys.admin = coordinator.generatedAdminKey ?? coordinator.config.adminKey ?? "";
  keys.client = await createKey({ role: "client", wallet: "roles-client" });
  keys.miner = await createKey({ role: "miner", label: "roles-miner" });
});

afterAll(async () => {
  await coordinator?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the connection test's coordinator keys", () => {
  it("says a miner key in the client key field is a miner key, not a client key", async () => {
    const shown = await line("client", keys.miner);
    expect(shown).toMatch(/^✖ this is a miner key, not a client key: submitting jobs needs a client key/);
    expect(shown).not.toContain("accepted");
  });

  it("says an admin key in the client key field cannot submit, and a client or miner key in the admin field", async () => {
    expect(await line("client", keys.admin)).toMatch(/^✖ this is an admin key, not a client key/);
    expect(await line("admin", keys.client)).toMatch(/^✖ this is a client key, not an admin key/);
    expect(await line("admin", keys.miner)).toMatch(/^✖ this is a miner key, not an admin key/);
  });

  it("accepts each key in its own field, with what it reads", async () => {
    expect(await line("client", keys.client)).toBe("✔ accepted: wallet roles-client");
    expect(await line("admin", keys.admin)).toMatch(/^✔ accepted: \d+ miners online$/);
  });

  it("names an unknown key as refused, not as another role", async () => {
    const shown = await line("client", "ph_client_000000000000_nope");
    expect(shown).toMatch(/^✖ Coordinator: Unknown or revoked API key/);
  });
});

describe("the submit form's parameter templates", () => {
  it("are taken by the coordinator as they open, for every built-in workload", async () => {
    const start: Draft = {
      workload: "llm_gen",
      prompt: "Hello, miner",
      maxTokens: "16",
      params: "{}",
      reward: "0",
      maxRuntime: "",
      verification: "none",
      replicas: "3",
      quorum: "2",
    };
    for (const workload of ["sd_infer", "torch_bench", "llm_gen"]) {
      const job = buildJob(withWorkload(start, workload));
      if (typeof job === "string") throw new Error(`${workload}: ${job}`);
      const response = await fetch(`${coordinator.url}/v1/jobs`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${keys.client}`,
          "content-type": "application/json",
          "idempotency-key": crypto.randomUUID(),
        },
        body: JSON.stringify(job),
      });
      expect({ workload, status: response.status, body: response.status === 201 ? "" : await response.text() }).toEqual(
        {
          workload,
          status: 201,
          body: "",
        },
      );
    }
  });
});
