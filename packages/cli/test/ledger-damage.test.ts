// `pithead ledger partitions / show / export / verify` on damaged, empty and archived ledgers, as an
// operator meets them: a listing never shows a damaged ledger as healthy, `show` never skips a missing
// record, the commands agree on what is no ledger at all, and a partition with archived records is
// shown and exported from the archive boundary.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { openLedger, signerFromPrivateKey } from "@pithead/ledger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pithead } from "./support/run-pithead.ts";

const root = mkdtempSync(join(tmpdir(), "pithead-cli-damage-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SEED = Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex");
const PEM = `-----BEGIN PRIVATE KEY-----\n${Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), SEED]).toString("base64")}\n-----END PRIVATE KEY-----\n`;
const signer = signerFromPrivateKey(PEM, "pithead.test");

/** A JSONL store with partition `ops`: 3 records and a checkpoint at 3, its key beside it. */
async function jsonlStore(name: string): Promise<{ store: string; part: string }> {
  const store = join(root, name);
  const ledger = await openLedger({ store: "jsonl", dir: store, signer });
  for (let i = 0; i < 3; i++) await ledger.append("ops", "ops.note", { i });
  await ledger.checkpoint("ops");
  await ledger.close();
  writeFileSync(join(store, "ledger.key"), PEM, { mode: 0o600 });
  return { store, part: join(store, "ops.ledger") };
}

describe("pithead ledger partitions and show on a damaged ledger", () => {
  it("a deleted records.jsonl (checkpoints and caches left): partitions lists it DAMAGED with exit 1, as verify fails", async () => {
    const { store, part } = await jsonlStore("deleted-records");
    rmSync(join(part, "records.jsonl"));
    const listed = await pithead(["ledger", "partitions", store]);
    expect(listed.code, listed.stderr).toBe(1);
    expect(listed.stdout).toMatch(/^ops {2}0 records {2}checkpoint at 3 {2}DAMAGED: .*records\.jsonl is missing/);
    const verified = await pithead(["ledger", "verify", store]);
    expect(verified.code, verified.stderr).toBe(1);
  });

  it("a corrupt checkpoints.jsonl: partitions says DAMAGED (exit 1), not 'no checkpoint'", async () => {
    const { store, part } = await jsonlStore("bad-checkpoint");
    writeFileSync(join(part, "checkpoints.jsonl"), "{bad\n");
    const listed = await pithead(["ledger", "partitions", store]);
    expect(listed.code, listed.stderr).toBe(1);
    expect(listed.stdout).toMatch(/DAMAGED: line 1 of checkpoints\.jsonl is malformed/);
    expect((await pithead(["ledger", "verify", store])).code).toBe(1);
  });

  it("names `pithead ledger verify` once in a damage line", async () => {
    const { store, part } = await jsonlStore("wording");
    const file = join(part, "records.jsonl");
    const lines = readFileSync(file, "utf8").split("\n");
    lines[1] = (lines[1] ?? "").replace('"seq":1', '"seq":1,"edited":true');
    writeFileSync(file, lines.join("\n"));
    const listed = await pithead(["ledger", "partitions", store]);
    expect(listed.code).toBe(1);
    expect(listed.stdout.match(/pithead ledger verify/g)).toHaveLength(1);
  });

  it("SQLite with a row deleted: partitions says DAMAGED (exit 1); show prints the records before it, then names it (exit 1)", async () => {
    const path = join(root, "missing-row.db");
    const ledger = await openLedger({ store: "sqlite", path, signer });
    for (let i = 0; i < 20; i++) await ledger.append("ops", "ops.note", { i });
    await ledger.checkpoint("ops");
    await ledger.close();
    const db = new DatabaseSync(path);
    db.exec("DELETE FROM ledger_records WHERE seq = 10");
    db.close();
    const listed = await pithead(["ledger", "partitions", path]);
    expect(listed.code, listed.stderr).toBe(1);
    expect(listed.stdout).toMatch(/ops {2}20 records {2}checkpoint at 20 {2}DAMAGED: 1 of its 20 records is missing/);
    const shown = await pithead(["ledger", "show", path, "--from", "8", "--limit", "4"]);
    expect(shown.code).toBe(1);
    expect(
      shown.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(" ")[0]),
    ).toEqual(["#8", "#9"]);
    expect(shown.stderr).toMatch(/record 10 is missing: record 11 follows record 9/);
  });
});

describe("what is no ledger at all, said alike by partitions and verify", () => {
  it("an empty directory: both exit 3 ('has no partitions')", async () => {
    const empty = join(root, "empty");
    mkdirSync(empty);
    for (const command of ["partitions", "verify"]) {
      const ran = await pithead(["ledger", command, empty]);
      expect(ran.code, `${command}: ${ran.stderr}`).toBe(3);
      expect(ran.stderr).toMatch(/has no partitions/);
      expect(ran.stdout).toBe("");
    }
  });

  it("a text file: both exit 3 (no ledger there); an export file given to partitions is the wrong kind (exit 2)", async () => {
    const text = join(root, "notes.txt");
    writeFileSync(text, "hello\n");
    const listed = await pithead(["ledger", "partitions", text]);
    expect(listed.code, listed.stderr).toBe(3);
    expect(listed.stderr).not.toMatch(/export file/);
    expect((await pithead(["ledger", "verify", text])).code).toBe(3);

    const { store } = await jsonlStore("for-export");
    const file = join(root, "ops.export.jsonl");
    expect((await pithead(["ledger", "export", store, file])).code).toBe(0);
    const wrongKind = await pithead(["ledger", "partitions", file]);
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toMatch(/is an export file/);
  });
});

describe("a partition with archived records", () => {
  let store: string;
  let boundary: number;
  beforeAll(async () => {
    store = join(root, "archived", "fleet-ledger");
    const ledger = await openLedger({ store: "jsonl", dir: store, signer, sealBytes: 8 * 1024 });
    try {
      for (let i = 0; i < 600; i += 20) {
        await ledger.appendBatch(
          "fleet/op",
          Array.from({ length: 20 }, (_, m) => ({ type: "fleet.telemetry", body: { miner: `m-${m}`, cycle: i / 20 } })),
        );
        if (i % 100 === 80) await ledger.checkpoint("fleet/op");
      }
      await ledger.checkpoint("fleet/op");
      const report = await ledger.archive!("fleet/op", { to: join(root, "archived", "nas"), belowSeq: 300 });
      boundary = report.archivedTo;
    } finally {
      await ledger.close();
    }
    writeFileSync(join(store, "ledger.key"), PEM, { mode: 0o600 });
    expect(boundary).toBeGreaterThan(0);
  });

  it("show starts at the archive boundary and says so; --from an archived seq says it is archived (exit 3)", async () => {
    const shown = await pithead(["ledger", "show", store, "--limit", "2"]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout.split("\n")[0]).toMatch(new RegExp(`^#${boundary} `));
    expect(shown.stderr).toContain(`records 0..${boundary - 1} of fleet/op are archived`);
    const archived = await pithead(["ledger", "show", store, "--from", "5"]);
    expect(archived.code).toBe(3);
    expect(archived.stdout).toBe("");
    expect(archived.stderr).toMatch(
      new RegExp(
        `records 0\\.\\.${boundary - 1} of fleet/op are archived .*record 5 is not stored here.*--from ${boundary}`,
      ),
    );
  });

  it("export writes from the boundary, says so, and the export verifies (exit 0)", async () => {
    const file = join(root, "archived", "op.export.jsonl");
    const exported = await pithead(["ledger", "export", store, file, "--json"]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ from: boundary });
    expect(exported.stderr).toContain(`the export starts at record ${boundary}`);
    const header = JSON.parse(readFileSync(file, "utf8").split("\n", 1)[0]!) as { from: number };
    expect(header.from).toBe(boundary);
    const verified = await pithead(["ledger", "verify", file, "--key-file", join(store, "ledger.key")]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toContain(`records 0..${boundary - 1} are archived and not in this export`);
  });
});
