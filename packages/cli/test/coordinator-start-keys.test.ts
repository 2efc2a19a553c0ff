// `pithead coordinator start` on a database another --data signed: it refuses (before it creates any
// key) instead of publishing a new receipt key and signing checkpoints with another ledger key, and
// says which database, which key files it expected and where to copy them from. With the keys
// copied it starts, and the next steps it prints work even though this --data has no admin.key.
import { spawn } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CoordinatorClient, migratePostgresStore, startCoordinator } from "@pithead/coordinator";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pithead } from "./support/run-pithead.ts";

const cli = resolve(import.meta.dirname, "../bin/pithead.js");
const root = mkdtempSync(join(tmpdir(), "pithead-cli-coord-keys-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Started {
  code: number | null;
  stderr: string;
  /** The URL it listened on, when it started (it is stopped again at once). */
  url?: string;
}

/**
 * Runs `pithead coordinator start …` until it exits or says it listens; one that started is
 * stopped (SIGTERM) once `whileUp` is done with it.
 */
function start(args: string[], whileUp: (url: string, stderr: string) => Promise<void> = async () => {}) {
  const child = spawn(process.execPath, [cli, "coordinator", "start", "--port", "0", "--log-level", "warn", ...args], {
    env: { PATH: process.env.PATH ?? "", CI: "1" },
  });
  let stderr = "";
  let url: string | undefined;
  return new Promise<Started>((done, failed) => {
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const listening = /listening on (http:\/\/\S+)/.exec(stderr);
      // The next steps are the last lines it prints once it listens.
      if (listening && url === undefined && stderr.includes("wallet fund")) {
        url = listening[1] as string;
        whileUp(url, stderr).then(
          () => child.kill("SIGTERM"),
          (error: unknown) => {
            child.kill("SIGTERM");
            failed(error);
          },
        );
      }
    });
    child.once("close", (code) => done({ code, stderr, url }));
  });
}

/** Runs a coordinator on `db` with `dataDir` and completes one job there, so the database holds a receipt. */
async function signedDatabase(dataDir: string, db?: string): Promise<void> {
  const coordinator = await startCoordinator({
    flags: { dataDir, port: "0", ...(db ? { db } : {}) },
    env: { PITHEAD_LOG_LEVEL: "silent", PITHEAD_RATE_LIMIT: "0" },
    logger: { level: "silent" },
  });
  try {
    const admin = new CoordinatorClient(
      coordinator.url,
      coordinator.generatedAdminKey ?? readFileSync(join(dataDir, "admin.key"), "utf8").trim(),
    );
    const client = await admin.createKey({ role: "client", wallet: "w_client" });
    await admin.fund("w_client", 1_000);
    const minerKey = (await admin.createKey({ role: "miner" })).key ?? "";
    const miner = new CoordinatorClient(coordinator.url, minerKey);
    await miner.request("POST", "/v1/miner/heartbeat", {
      body: { miner_id: "rig-1", wallet: "w_rig", mode: "cpu", gpu: 0, capabilities: { workloads: ["torch_bench"] } },
    });
    const job = await new CoordinatorClient(coordinator.url, client.key ?? "").submit({
      workload: "torch_bench",
      reward: 100,
    });
    await miner.request("GET", "/v1/miner/next?miner=rig-1");
    const output = "done";
    await miner.request("POST", "/v1/miner/proof", {
      body: { id: job.id, output_sha: createHash("sha256").update(output).digest("hex"), output, metrics: {} },
    });
    expect((await admin.job(job.id)).state).toBe("COMPLETED");
  } finally {
    const closing = coordinator.close();
    coordinator.app.server.closeAllConnections();
    await closing; // a last checkpoint, signed by this data directory's ledger.key
  }
}

/** The key id the coordinator publishes for a receipt-signing key file: SHA-256 of the raw public key. */
function receiptKeyId(file: string): string {
  const der = createPublicKey(createPrivateKey(readFileSync(file, "utf8"))).export({ format: "der", type: "spki" });
  return createHash("sha256").update(der.subarray(-32)).digest("hex");
}

describe("pithead coordinator start on a SQLite database another --data signed", () => {
  const first = join(root, "first");
  const db = join(first, "coordinator.db");
  beforeAll(() => signedDatabase(first));

  it("refuses with an empty --data, naming the database, the key files expected and where to copy them from, and creates no key", async () => {
    const empty = join(root, "empty");
    const ran = await start(["--data", empty, "--db", db]);
    expect(ran.url, ran.stderr).toBeUndefined();
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(`the database ${db} was signed with keys that ${empty} does not hold`);
    expect(ran.stderr).toContain(`${join(empty, "ledger.key")} does not exist`);
    expect(ran.stderr).toContain(
      `the coordinator's receipts are signed by key id ${receiptKeyId(join(first, "receipt-signing.key"))}, and ${join(empty, "receipt-signing.key")} does not exist`,
    );
    expect(ran.stderr).toContain(`Copy receipt-signing.key and ledger.key`);
    expect(ran.stderr).toContain(`from ${first}`);
    expect(existsSync(join(empty, "receipt-signing.key"))).toBe(false);
    expect(existsSync(join(empty, "ledger.key"))).toBe(false);
  });

  it("refuses a receipt key that did not sign the database's receipts, even with the right ledger key", async () => {
    const other = join(root, "other-receipt-key");
    mkdirSync(other, { mode: 0o700 });
    copyFileSync(join(first, "ledger.key"), join(other, "ledger.key"));
    const pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" });
    writeFileSync(join(other, "receipt-signing.key"), pem, { mode: 0o600 });
    const ran = await start(["--data", other, "--db", db]);
    expect(ran.url, ran.stderr).toBeUndefined();
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(
      `the coordinator's receipts are signed by key id ${receiptKeyId(join(first, "receipt-signing.key"))}, and ${join(other, "receipt-signing.key")} holds key id ${receiptKeyId(join(other, "receipt-signing.key"))}`,
    );
    expect(ran.stderr).not.toContain("ledger is signed by");
  });

  it("starts with the two keys copied, publishes the same receipt key, and prints next steps that work without an admin.key there", async () => {
    const copied = join(root, "copied");
    mkdirSync(copied, { mode: 0o700 });
    for (const file of ["receipt-signing.key", "ledger.key"]) copyFileSync(join(first, file), join(copied, file));
    let created: Awaited<ReturnType<typeof pithead>> | undefined;
    let published: string | undefined;
    const ran = await start(["--data", copied, "--db", db], async (url, stderr) => {
      published = (await new CoordinatorClient(url).receiptKey()).key_id;
      const command = /npx pithead (keys create --role miner .*?)\s+#/.exec(stderr)?.[1];
      expect(command, stderr).toBeDefined();
      created = await pithead((command as string).split(" "));
    });
    expect(ran.url, ran.stderr).toBeDefined();
    expect(published).toBe(receiptKeyId(join(first, "receipt-signing.key")));
    expect(ran.stderr).toContain(`--admin-key-file ${join(first, "admin.key")}`);
    expect(created?.code, created?.stderr).toBe(0);
    expect(existsSync(join(copied, "admin.key"))).toBe(false);
  });
});

describe("pithead coordinator start on a PostgreSQL database another --data signed", () => {
  it("refuses with an empty --data, naming the database (no password) and the key files", async () => {
    await using pg = await pgTestDatabase("coordinator", migratePostgresStore);
    await signedDatabase(join(root, "pg-first"), pg.url);
    const empty = join(root, "pg-empty");
    const ran = await start(["--data", empty, "--db", pg.url]);
    expect(ran.url, ran.stderr).toBeUndefined();
    expect(ran.code).toBe(1);
    const shown = new URL(pg.url);
    if (shown.password) shown.password = "****";
    expect(ran.stderr).toContain(`the database ${shown.toString()} was signed with keys that ${empty} does not hold`);
    expect(ran.stderr).toContain(`${join(empty, "receipt-signing.key")} does not exist`);
    expect(ran.stderr).toContain("from the --data directory of the coordinator that signed this database");
    expect(existsSync(join(empty, "receipt-signing.key"))).toBe(false);
  });
});
