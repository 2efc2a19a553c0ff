// The `pithead ledger` commands, run as a user runs them: a separate process, exit codes and output.
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  exportPartition,
  ledgerRoutes,
  openLedger,
  signerFromPrivateKey,
  verifyCheckpoint,
  verifyInclusion,
} from "../src/index.ts";
import { pemFromSeed, tempDir } from "./helpers.ts";
import { pithead } from "./ledger-cli.ts";

const bin = fileURLToPath(new URL("../../cli/bin/pithead.js", import.meta.url));
const run = promisify(execFile);

const signer = signerFromPrivateKey(pemFromSeed(Buffer.alloc(32, 42)), "pithead.test/cli");
const dir = tempDir();
const store = join(dir.path, "store");
const exported = join(dir.path, "ops.export.jsonl");

beforeAll(async () => {
  const ledger = await openLedger({ store: "jsonl", dir: store, signer });
  for (let i = 0; i < 12; i++) await ledger.append("ops", "fleet.decision", { i, note: `decision ${i}` });
  await ledger.checkpoint("ops");
  await exportPartition(ledger, "ops", exported);
  await ledger.close();
  // The store's signing key, where the CLI looks for it by default.
  writeFileSync(join(store, "ledger.key"), pemFromSeed(Buffer.alloc(32, 42)), { mode: 0o600 });
});
afterAll(() => dir[Symbol.dispose]());

describe("pithead ledger", () => {
  it("is a command of the pithead CLI", async () => {
    const { stdout } = await run(process.execPath, [bin, "ledger", "--help"]);
    expect(stdout).toMatch(/verify \[options\] <path\|url>/);
    expect(stdout).toMatch(/checkpoint \[options\] <path>/);
  });

  it("verify: a good export passes (exit 0), a tampered one fails (exit 1) naming the record", async () => {
    const good = await pithead("verify", exported, "--key", signer.verifierKey);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/✔ ops: 12 records, 1 checkpoint, .* verified/);
    const bad = join(dir.path, "tampered.jsonl");
    writeFileSync(bad, readFileSync(exported, "utf8").replace("decision 4", "decision 9"));
    const failed = await pithead("verify", bad, "--key", signer.verifierKey);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/✖ ops: .*FAILED/);
    expect(failed.stdout).toMatch(/first bad record: 4: record 4 was altered/);
    const json = await pithead("verify", bad, "--key", signer.verifierKey, "--json");
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; reports: { firstBad: { seq: number } }[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.reports[0]?.firstBad.seq).toBe(4);
  });

  it("verify: a store directory, with its key file found beside it, and clear errors for bad arguments", async () => {
    const ok = await pithead("verify", store, "--json");
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      reports: [{ partition: "ops", records: 12, checkpoints: 1, warnings: [] }],
    });
    // No ledger there: the command could not run (3), which is not a failed verification (1).
    const missing = await pithead("verify", join(dir.path, "nothing-here"));
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim()).toBe(`error: no ledger at ${join(dir.path, "nothing-here")}`);
    const badKey = await pithead("verify", exported, "--key", "not-a-key");
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/^error: --key: verifier key must look like/);
    // A partition that is not there is named with the ones that are, not shown as "no records".
    const typo = await pithead("show", store, "--partition", "opz");
    expect(typo.code).toBe(2);
    expect(typo.stderr.trim()).toBe("error: no partition opz in this ledger (it has ops)");
    const nowhere = join(dir.path, "no-such-folder", "ops.jsonl");
    const badExport = await pithead("export", store, nowhere);
    expect(badExport.code).toBe(2);
    expect(badExport.stderr.trim()).toBe(
      `error: cannot write ${nowhere}: the folder ${join(dir.path, "no-such-folder")} does not exist`,
    );
    const verifyTypo = await pithead("verify", store, "--partition", "opz");
    expect(verifyTypo.code).toBe(2);
    expect(verifyTypo.stderr.trim()).toBe("error: no partition opz in this ledger (it has ops)");
  });

  it("proof --json: the record hash and its inclusion path against the latest checkpoint", async () => {
    const { code, stdout } = await pithead("proof", store, "5", "--json");
    expect(code).toBe(0);
    const proof = JSON.parse(stdout);
    expect(Object.keys(proof).sort()).toEqual(
      ["checkpoint", "leafHash", "partition", "path", "recordHash", "rootHash", "seq", "treeSize", "verified"].sort(),
    );
    expect(proof).toMatchObject({ partition: "ops", seq: 5, treeSize: 12, verified: true });
    expect(verifyInclusion(proof)).toBe(true);
    expect(verifyCheckpoint(proof.checkpoint, signer.verifierKey)).toBe(true);
    const outside = await pithead("proof", store, "50");
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/seq: record 50 is not in a tree of 12 records/);
  });

  it("append and checkpoint --json: a standard signed note and its verifier key", async () => {
    const appended = await pithead(
      "append",
      store,
      "--partition",
      "ops",
      "--type",
      "fleet.note",
      "--body",
      '{"by":"cli"}',
      "--json",
    );
    expect(JSON.parse(appended.stdout)).toMatchObject({ seq: 12, type: "fleet.note", body: { by: "cli" } });
    const refused = await pithead(
      "append",
      store,
      "--partition",
      "ops",
      "--type",
      "fleet.note",
      "--body",
      '{"n":1e999}',
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/body\.n: Infinity is not valid JSON/);
    const { code, stdout } = await pithead("checkpoint", store, "--json");
    expect(code).toBe(0);
    const checkpoint = JSON.parse(stdout);
    expect(checkpoint).toMatchObject({ partition: "ops", size: 13, origin: "pithead.test/cli/ops" });
    expect(typeof checkpoint.rootHash).toBe("string");
    expect(checkpoint.verifierKey).toMatch(/^pithead\.test\/cli\+[0-9a-f]{8}\+A[A-Za-z0-9+/]+=*$/);
    expect(verifyCheckpoint(checkpoint.note, checkpoint.verifierKey)).toBe(true);
    expect(checkpoint.verifierKey).toBe(signer.verifierKey);
    // Without --key, verify checks signatures with the public half of ledger.key beside the store.
    const after = await pithead("verify", store, "--json");
    expect(JSON.parse(after.stdout).reports[0]).toMatchObject({ ok: true, records: 13, checkpoints: 2, warnings: [] });
  });

  it("verify <url>: downloads the export route and checks it; a refused request is one clear line", async () => {
    const ledger = await openLedger({ store: "jsonl", dir: store, signer });
    const app = Fastify();
    app.addHook("preHandler", async (request, reply) => {
      if (request.headers.authorization !== "Bearer ok") await reply.code(401).send({ message: "bad token" });
    });
    await app.register(ledgerRoutes, { ledger, prefix: "/v1" });
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      const good = await pithead(
        "verify",
        `${url}/v1`,
        "--partition",
        "ops",
        "--header",
        "Authorization: Bearer ok",
        "--json",
      );
      expect(good.stderr).not.toMatch(/error/);
      expect(good.code).toBe(0);
      expect(JSON.parse(good.stdout).reports[0]).toMatchObject({ ok: true, partition: "ops" });
      // A service's base URL, as `pithead up` prints it: the export route is found under /v1.
      const base = await pithead("verify", url, "--partition", "ops", "--header", "Authorization: Bearer ok");
      expect(base.code).toBe(0);
      expect(base.stdout).toMatch(/✔ ops: \d+ records, .* verified/);
      const refused = await pithead("verify", `${url}/v1/ledger/export?partition=ops`);
      expect(refused.code).toBe(3);
      expect(refused.stderr.trim()).toMatch(/^error: .*answered HTTP 401: bad token$/);
    } finally {
      await app.close();
      await ledger.close();
    }
  });
});
