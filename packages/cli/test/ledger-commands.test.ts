// `pithead ledger checkpoint / verify / append` on the ledgers the services write, as a user runs them:
// the key a service keeps beside its store is the one found, a checkpoint is never signed with
// another key, a saved checkpoint is read as it was saved, and a service's own records are not
// written by hand by mistake.

import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreateSigner, openLedger } from "@pithead/ledger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pithead } from "./support/run-pithead.ts";

const root = mkdtempSync(join(tmpdir(), "pithead-cli-ledger-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh folder holding what `pithead fleet cycle` leaves in ./data (JSONL, or SQLite with LEDGER_STORE). */
async function fleetAfterOneCycle(name: string, env: Record<string, string> = {}): Promise<string> {
  const cwd = join(root, name);
  mkdirSync(cwd);
  const cycle = await pithead(["fleet", "cycle", "--json"], { cwd, env });
  expect(cycle.code, cycle.stderr).toBe(0);
  return cwd;
}

/** A private key file the fleet never saw. */
function strangerKey(file: string): string {
  const { privateKey } = generateKeyPairSync("ed25519");
  writeFileSync(file, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
  return file;
}

async function checkpointSizes(cwd: string, store: string): Promise<number | null> {
  const listed = await pithead(["ledger", "partitions", store, "--json"], { cwd });
  return (JSON.parse(listed.stdout) as { checkpointSize: number | null }[])[0]?.checkpointSize ?? null;
}

const note = (cwd: string, store: string) =>
  pithead(["ledger", "append", store, "--partition", "fleet/default", "--type", "ops.note", "--body", '{"by":"ops"}'], {
    cwd,
  });

describe("pithead ledger partitions", () => {
  it("lists a healthy ledger with exit 0, and flags a damaged partition with exit 1 instead of listing it as healthy", async () => {
    const cwd = await fleetAfterOneCycle("partitions-damage");
    const healthy = await pithead(["ledger", "partitions", "./data/fleet-ledger"], { cwd });
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(healthy.stdout).toMatch(/^fleet\/default {2}\d+ records {2}checkpoint at \d+\n$/);

    // One record edited in the middle: the chain breaks there, and what follows cannot be read.
    const file = join(cwd, "data/fleet-ledger/fleet/default.ledger/records.jsonl");
    const lines = readFileSync(file, "utf8").split("\n");
    lines[3] = (lines[3] ?? "").replace('"seq":3', '"seq":3,"edited":true');
    writeFileSync(file, lines.join("\n"));
    const damaged = await pithead(["ledger", "partitions", "./data/fleet-ledger", "--json"], { cwd });
    expect(damaged.code).toBe(1);
    const [row] = JSON.parse(damaged.stdout) as { size: number; checkpointSize: number; damage: string }[];
    expect(row?.size).toBe(3);
    expect(row?.damage).toMatch(/record 3/);
    const text = await pithead(["ledger", "partitions", "./data/fleet-ledger"], { cwd });
    // What to run is said once (the library's message already ends with it).
    expect(text.stdout).toMatch(
      /^fleet\/default {2}3 records {2}checkpoint at \d+ {2}DAMAGED: .+run `pithead ledger verify` on the ledger\n$/,
    );
    expect(text.stdout.match(/pithead ledger verify/g)).toHaveLength(1);
  });
});

describe("pithead ledger checkpoint on a service's ledger", () => {
  for (const [layout, env, store, keyFile] of [
    ["JSONL", {}, "./data/fleet-ledger", "./data/fleet-ledger.key"],
    ["SQLite", { LEDGER_STORE: "sqlite" }, "data/fleet-ledger.sqlite", "data/fleet-ledger.key"],
  ] as const) {
    it(`signs a fleet ledger (${layout}) with the fleet's own key, so it verifies under that key and the fleet's next cycle`, async () => {
      const cwd = await fleetAfterOneCycle(`fleet-${layout}`, env);
      expect((await note(cwd, store)).code).toBe(0);
      const signed = await pithead(["ledger", "checkpoint", store, "--json"], { cwd });
      expect(signed.code, signed.stderr).toBe(0);
      expect(JSON.parse(signed.stdout)).toMatchObject({ partition: "fleet/default", keyFile });
      // No key of its own was made beside the store.
      expect(existsSync(join(cwd, "data/fleet-ledger/ledger.key"))).toBe(false);
      expect(existsSync(join(cwd, "data/ledger.key"))).toBe(false);

      const withKey = await pithead(["ledger", "verify", store, "--key-file", "data/fleet-ledger.key"], { cwd });
      expect(withKey.code, withKey.stdout).toBe(0);
      expect(withKey.stdout).toContain("verified");
      // Without --key-file the same key is found, and the signatures are checked.
      const found = await pithead(["ledger", "verify", store, "--json"], { cwd });
      expect(found.code, found.stdout).toBe(0);
      expect(JSON.parse(found.stdout).reports[0]).toMatchObject({ ok: true, warnings: [] });
      // The fleet goes on signing with its key: still one history.
      expect((await pithead(["fleet", "cycle"], { cwd, env })).code).toBe(0);
      expect((await pithead(["ledger", "verify", store], { cwd })).code).toBe(0);
    });
  }

  it("refuses --key-file with a key that did not sign the partition's checkpoints, naming both keys", async () => {
    const cwd = await fleetAfterOneCycle("stranger");
    await note(cwd, "data/fleet-ledger");
    const before = await checkpointSizes(cwd, "data/fleet-ledger");
    strangerKey(join(cwd, "other.key"));
    const refused = await pithead(["ledger", "checkpoint", "data/fleet-ledger", "--key-file", "other.key"], { cwd });
    // 3: the command could not run (no usable key); 1 is kept for a ledger that failed verification.
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      /^error: --key-file other\.key holds key id [0-9a-f]{8}, but the checkpoints of fleet\/default are signed by pithead-fleet \(key id [0-9a-f]{8}\)/,
    );
    expect(refused.stderr).toContain("pass --key-file data/fleet-ledger.key");
    expect(await checkpointSizes(cwd, "data/fleet-ledger")).toBe(before);
    expect((await pithead(["ledger", "verify", "data/fleet-ledger"], { cwd })).code).toBe(0);
  });

  it("makes no new key for a partition that has signed checkpoints when the service's key is not found", async () => {
    const cwd = await fleetAfterOneCycle("keyless");
    await note(cwd, "data/fleet-ledger");
    rmSync(join(cwd, "data/fleet-ledger.key"));
    const refused = await pithead(["ledger", "checkpoint", "data/fleet-ledger"], { cwd });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      /the checkpoints of fleet\/default are signed by pithead-fleet \(key id [0-9a-f]{8}\)/,
    );
    expect(refused.stderr).toContain("data/fleet-ledger.key does not exist");
    expect(refused.stderr).toContain("--key-file");
    expect(existsSync(join(cwd, "data/fleet-ledger/ledger.key"))).toBe(false);
    expect(existsSync(join(cwd, "data/fleet-ledger.key"))).toBe(false);
  });

  it("signs the coordinator's ledger with the ledger.key beside its database", async () => {
    const dir = join(root, "coordinator-data");
    const signer = loadOrCreateSigner(join(dir, "ledger.key"), "pithead.local");
    const ledger = await openLedger({ store: "sqlite", path: join(dir, "coordinator.db"), signer });
    await ledger.append("coordinator", "coordinator.job.submitted", { job: 1 });
    await ledger.checkpoint("coordinator");
    await ledger.append("coordinator", "ops.note", { by: "ops" });
    await ledger.close();
    const db = join(dir, "coordinator.db");
    const signed = await pithead(["ledger", "checkpoint", db, "--json"]);
    expect(signed.code, signed.stderr).toBe(0);
    expect(JSON.parse(signed.stdout)).toMatchObject({ size: 2, verifierKey: signer.verifierKey });
    const verified = await pithead(["ledger", "verify", db]);
    expect(verified.stdout).toContain(`checkpoint signatures checked with ${join(dir, "ledger.key")}`);
    expect(verified.code).toBe(0);
  });
});

describe("pithead ledger verify --checkpoint", () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await fleetAfterOneCycle("trusted");
  });

  it("takes a checkpoint saved from `checkpoint` (text or --json), the note alone, or a checkpoint route's JSON", async () => {
    await note(cwd, "data/fleet-ledger");
    const text = await pithead(["ledger", "checkpoint", "data/fleet-ledger"], { cwd });
    const json = await pithead(["ledger", "checkpoint", "data/fleet-ledger", "--json"], { cwd });
    writeFileSync(join(cwd, "cp.txt"), text.stdout);
    writeFileSync(join(cwd, "cp.json"), json.stdout);
    // `… --json | jq -r .note`: the note and one more newline.
    writeFileSync(join(cwd, "note.txt"), `${JSON.parse(json.stdout).note}\n`);
    // A record's proof route carries it as .checkpoint.note.
    writeFileSync(
      join(cwd, "proof.json"),
      JSON.stringify({ record: {}, checkpoint: { note: JSON.parse(json.stdout).note } }),
    );
    for (const file of ["cp.txt", "cp.json", "note.txt", "proof.json"]) {
      const verified = await pithead(["ledger", "verify", "data/fleet-ledger", "--checkpoint", file], { cwd });
      expect([file, verified.code, verified.stderr]).toEqual([file, 0, ""]);
    }
  });

  it("names the file that is not a checkpoint, and why", async () => {
    writeFileSync(join(cwd, "notes.txt"), "remember to rotate the keys\n");
    const refused = await pithead(["ledger", "verify", "data/fleet-ledger", "--checkpoint", "notes.txt"], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(
      "error: --checkpoint notes.txt is malformed: it is not a signed checkpoint note: note has no blank line before its signatures",
    );
  });

  it("still fails a ledger whose history no longer matches a saved checkpoint", async () => {
    const other = await fleetAfterOneCycle("trusted-other");
    const saved = await pithead(["ledger", "checkpoint", "data/fleet-ledger", "--json"], { cwd: other });
    writeFileSync(join(cwd, "theirs.json"), saved.stdout);
    const failed = await pithead(["ledger", "verify", "data/fleet-ledger", "--checkpoint", "theirs.json"], { cwd });
    expect(failed.code).toBe(1);
    // Which root is whose, and no "record N" for a checkpoint of size N (its records are 0..N-1).
    const size = JSON.parse(saved.stdout).size as number;
    expect(failed.stdout).toMatch(
      new RegExp(
        `first bad record: 0: records 0\\.\\.${size - 1} do not match the trusted checkpoint of size ${size}: its root [0-9a-f]{16}… differs from the ledger's root [0-9a-f]{16}… at size ${size}`,
      ),
    );
    expect(failed.stdout).toContain(`\n  also: trusted checkpoint of size ${size} is not signed by`);
    expect(failed.stdout).not.toContain(`record ${size}:`);
  });
});

describe("pithead ledger append", () => {
  it("refuses a service's own record type in its partition unless --service-type, and takes an operator's note", async () => {
    const db = join(root, "append", "coordinator.db");
    const seeded = await openLedger({ store: "sqlite", path: db });
    await seeded.append("coordinator", "coordinator.job.submitted", { job: 1 });
    await seeded.close();
    const funded = [
      "ledger",
      "append",
      db,
      "--partition",
      "coordinator",
      "--type",
      "coordinator.wallet.funded",
      "--body",
      '{"address":"mallory","amount":1000000}',
    ];
    const refused = await pithead(funded);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^error: --type coordinator\.wallet\.funded in partition coordinator is the coordinator's own record/,
    );
    expect(refused.stderr).toContain("--service-type");
    const shown = await pithead(["ledger", "show", db, "--json"]);
    expect(JSON.parse(shown.stdout)).toHaveLength(1);

    const noted = await pithead([
      "ledger",
      "append",
      db,
      "--partition",
      "coordinator",
      "--type",
      "ops.note",
      "--body",
      '{"by":"ops"}',
    ]);
    expect(noted.code, noted.stderr).toBe(0);
    const meant = await pithead([...funded, "--service-type"]);
    expect(meant.code, meant.stderr).toBe(0);
    expect(JSON.parse((await pithead(["ledger", "show", db, "--json"])).stdout)).toHaveLength(3);
  });

  it("says in its help what it refuses", async () => {
    const help = await pithead(["ledger", "append", "--help"]);
    expect(help.stdout).toContain("--service-type");
    expect(help.stdout).toMatch(/coordinator\.\*\s+in\s+coordinator/);
    expect(help.stdout).toMatch(/the\s+coordinator\s+holds\s+none/);
  });
});
