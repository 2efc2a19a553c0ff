// `pithead ledger archive` and `verify --archive` as an operator runs them on a fleet partition:
// a dry run moves nothing, a wrong command line exits 2 naming the flag, an archived partition
// verifies with and without its archive, and `partitions` shows what is archived.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { openLedger, signerFromPrivateKey } from "@pithead/ledger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pithead } from "./support/run-pithead.ts";

const root = mkdtempSync(join(tmpdir(), "pithead-cli-archive-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SEED = Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex");
const PEM = `-----BEGIN PRIVATE KEY-----\n${Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), SEED]).toString("base64")}\n-----END PRIVATE KEY-----\n`;
const signer = signerFromPrivateKey(PEM, "pithead.test/fleet");
const T0 = Date.parse("2026-01-01T00:00:00.000Z");

/** A fleet-like partition `fleet/op` of 2000 records, one 40-miner poll every 30 s from T0, sealed at 32 KiB. */
async function partition(name: string): Promise<{ store: string; dir: string }> {
  const store = join(root, name, "fleet-ledger");
  const ledger = await openLedger({ store: "jsonl", dir: store, signer, sealBytes: 32 * 1024 });
  try {
    for (let i = 0; i < 2000; i += 40) {
      await ledger.appendBatch(
        "fleet/op",
        Array.from({ length: 40 }, (_, m) => ({
          type: "fleet.telemetry",
          body: {
            miner: `m-${m}`,
            cycle: i / 40,
            powerW: 3000 + ((i + m) % 97),
            note: "observed over the cgminer API",
          },
          at: new Date(T0 + (i / 40) * 30_000),
        })),
      );
      if (i % 200 === 160) await ledger.checkpoint("fleet/op");
    }
    await ledger.checkpoint("fleet/op");
  } finally {
    await ledger.close();
  }
  return { store, dir: join(store, "fleet", "op.ledger") };
}

const segments = (dir: string) => readdirSync(join(dir, "sealed")).filter((n) => n.endsWith(".jsonl.gz"));

describe("pithead ledger archive", () => {
  let p: { store: string; dir: string };
  beforeAll(async () => {
    p = await partition("main");
  });

  it("--dry-run says what would move and moves nothing", async () => {
    const before = segments(p.dir);
    const archive = join(root, "dry-archive");
    const ran = await pithead([
      "ledger",
      "archive",
      p.dir,
      "--to",
      archive,
      "--before",
      "2026-01-01T00:10:00Z",
      "--dry-run",
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/fleet\/op: would move \d+ segments?, \d+ records, .* \(dry run: nothing moved\)/);
    expect(ran.stdout).toMatch(/left records\.jsonl .*the live file/);
    expect(segments(p.dir)).toEqual(before);
    expect(existsSync(archive)).toBe(false);
  });

  it("a wrong command line exits 2 naming the flag", async () => {
    const to = join(root, "x");
    const cases: [string[], RegExp][] = [
      [["--before", "2026-01-01"], /--to/],
      [["--to", to], /--before .*--keep-days .*--below-seq/],
      [["--to", to, "--keep-days", "abc"], /--keep-days/],
      [["--to", to, "--keep-days", "0"], /--keep-days/],
      [["--to", to, "--below-seq", "-3"], /--below-seq/],
      [["--to", to, "--before", "last tuesday"], /--before/],
      [["--to", to, "--before", "2026-01-01", "--below-seq", "5"], /--before and --below-seq/],
    ];
    for (const [args, named] of cases) {
      const ran = await pithead(["ledger", "archive", p.dir, ...args]);
      expect(ran.code, `${args.join(" ")}: ${ran.stderr}`).toBe(2);
      expect(ran.stderr).toMatch(named);
    }
    const notPartition = await pithead(["ledger", "archive", root, "--to", to, "--below-seq", "5"]);
    expect(notPartition.code).toBe(2);
    expect(notPartition.stderr).toMatch(/is not a JSONL partition's directory/);
  });

  it("archives, then verify passes without the archive (saying the range is not checked) and with --archive; an altered archived segment fails naming it", async () => {
    const { store, dir } = await partition("verify");
    const archive = join(root, "verify-archive");
    const ran = await pithead([
      "ledger",
      "archive",
      dir,
      "--to",
      archive,
      "--before",
      "2026-01-01T00:10:00Z",
      "--force",
      "--json",
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    const report = JSON.parse(ran.stdout) as {
      moved: { name: string }[];
      archivedTo: number;
      left: { reason: string }[];
    };
    expect(report.moved.length).toBeGreaterThan(0);
    expect(report.left.map((l) => l.reason).join("\n")).toMatch(/newer than the cutoff/);
    const b = report.archivedTo;

    const plain = await pithead(["ledger", "verify", dir]);
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
    expect(plain.stdout).toContain(`: ${2000 - b} records verified (`);
    expect(plain.stdout).toContain(`records 0..${b - 1} are archived, not checked here (give --archive DIR)`);
    const full = await pithead(["ledger", "verify", dir, "--archive", archive]);
    expect(full.code, full.stdout + full.stderr).toBe(0);
    expect(full.stdout).toContain(`records 0..${b - 1} are archived: checked in the archive`);
    const wholeStore = await pithead(["ledger", "verify", store, "--archive", archive]);
    expect(wholeStore.code, wholeStore.stdout + wholeStore.stderr).toBe(0);

    const listed = await pithead(["ledger", "partitions", store, "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)[0].archived).toMatchObject({ records: b, archives: [archive] });
    expect((await pithead(["ledger", "partitions", store])).stdout).toMatch(new RegExp(`archived: ${b} records`));

    // show: archived records only with the archive, read from it, and across the boundary either way.
    const seqs = async (...args: string[]) => {
      const shown = await pithead(["ledger", "show", store, "--partition", "fleet/op", "--json", ...args]);
      expect(shown.code, shown.stderr).toBe(0);
      return (JSON.parse(shown.stdout) as { seq: number }[]).map((r) => r.seq);
    };
    const notHere = await pithead(["ledger", "show", store, "--partition", "fleet/op", "--from", "0"]);
    expect(notHere.code).toBe(3);
    expect(notHere.stderr).toContain("give --archive DIR to show the archived ones");
    expect(await seqs("--archive", archive, "--from", "0", "--limit", "3")).toEqual([0, 1, 2]);
    expect(await seqs("--archive", archive, "--from", String(b - 2), "--limit", "4")).toEqual([b - 2, b - 1, b, b + 1]);
    expect(await seqs("--archive", archive, "--reverse", "--from", String(b + 1), "--limit", "4")).toEqual([
      b + 1,
      b,
      b - 1,
      b - 2,
    ]);
    expect(await seqs("--archive", archive, "--reverse", "--from", "5", "--limit", "3")).toEqual([5, 4, 3]);
    expect(
      await seqs("--archive", archive, "--from", String(b - 1), "--limit", "2", "--type", "fleet.telemetry"),
    ).toEqual([b - 1, b]);

    const file = join(archive, "fleet", "op", report.moved[0]!.name);
    const original = readFileSync(file);
    writeFileSync(file, Buffer.concat([original, Buffer.from("junk")]));
    const altered = await pithead(["ledger", "verify", dir, "--archive", archive]);
    expect(altered.code).toBe(1);
    expect(altered.stdout).toContain(`archived segment ${file} was altered`);
    writeFileSync(file, original);

    // A directory that is not there is an unmounted disk more likely than a typo: the check cannot run.
    const noDir = await pithead(["ledger", "verify", dir, "--archive", join(root, "nowhere")]);
    expect(noDir.code).toBe(3);
    expect(noDir.stderr).toContain(
      `--archive ${join(root, "nowhere")}: the archive directory does not exist (is it mounted?)`,
    );
    const aFile = await pithead(["ledger", "verify", dir, "--archive", file]);
    expect(aFile.code).toBe(2);
    expect(aFile.stderr).toMatch(/--archive .*is not a directory/);
  });

  it("refuses a fleet controller's partition without --force, saying what it would lose and how the controller archives it; a dry run says so and moves nothing", async () => {
    const { dir } = await partition("refused");
    const before = segments(dir);
    const to = join(root, "refused-archive");
    const ran = await pithead(["ledger", "archive", dir, "--to", to, "--keep-days", "1"]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain("fleet/op is the fleet controller's partition");
    expect(ran.stderr).toContain("set LEDGER_ARCHIVE_DIR");
    expect(ran.stderr).toContain("would lose that state across a restart");
    expect(ran.stderr).toContain("--force");
    const dry = await pithead(["ledger", "archive", dir, "--to", to, "--keep-days", "1", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain("note: fleet/op is the fleet controller's partition");
    expect(segments(dir)).toEqual(before);
    expect(existsSync(to)).toBe(false);
    expect((await pithead(["ledger", "archive", dir, "--to", to, "--keep-days", "1", "--force"])).code).toBe(0);
    expect(segments(dir).length).toBeLessThan(before.length);
  });

  it("under `pithead up`, the refusals name up's --ledger-archive-dir (up reads no LEDGER_ARCHIVE_DIR), also when the running fleet holds the lock", async () => {
    const { store, dir } = await partition("up-data/fleet");
    const data = dirname(dirname(store));
    writeFileSync(join(data, "keys.json"), "{}", { mode: 0o600 });
    const to = join(root, "up-archive");
    const refused = await pithead(["ledger", "archive", dir, "--to", to, "--keep-days", "1"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `this is \`pithead up\`'s ledger (--data ${data}): start up with --ledger-archive-dir DIR`,
    );
    // The fleet runs: its writer holds the lock.
    const running = await openLedger({ store: "jsonl", dir: store, signer });
    try {
      await running.openWriter("fleet/op");
      const locked = await pithead(["ledger", "archive", dir, "--to", to, "--keep-days", "1", "--force"]);
      expect(locked.code).toBe(3);
      expect(locked.stderr).toContain("already has a writer");
      expect(locked.stderr).toContain("start up with --ledger-archive-dir DIR");
      expect(locked.stderr).not.toContain("LEDGER_ARCHIVE_DIR or PITHEAD_LEDGER_ARCHIVE_DIR");
    } finally {
      await running.close();
    }
  });

  it("an archive whose directory changed between runs: verify takes --archive for each; a segment in a directory not given cannot be checked (exit 3), not damage (1)", async () => {
    const { store, dir } = await partition("split");
    const [oldNas, newNas] = [join(root, "split-old"), join(root, "split-new")];
    const archived = async (to: string, before: string) => {
      const ran = await pithead(["ledger", "archive", dir, "--to", to, "--before", before, "--force", "--json"]);
      expect(ran.code, ran.stderr).toBe(0);
      return JSON.parse(ran.stdout) as { moved: { name: string; from: number; to: number }[]; archivedTo: number };
    };
    const first = await archived(oldNas, "2026-01-01T00:05:00Z");
    const second = await archived(newNas, "2026-01-01T00:10:00Z");
    expect(first.moved.length).toBeGreaterThan(0);
    expect(second.moved.length).toBeGreaterThan(0);
    const listed = JSON.parse((await pithead(["ledger", "partitions", store, "--json"])).stdout);
    expect(listed[0].archived.archives).toEqual([oldNas, newNas]);

    for (const given of [oldNas, newNas]) {
      const one = await pithead(["ledger", "verify", dir, "--archive", given]);
      expect(one.code, one.stdout + one.stderr).toBe(3);
      const other = given === oldNas ? newNas : oldNas;
      expect(one.stderr).toMatch(
        new RegExp(`^error: cannot check: archived segment .* is in ${other}, which was not given`),
      );
    }
    const both = await pithead(["ledger", "verify", dir, "--archive", oldNas, "--archive", newNas]);
    expect(both.code, both.stdout + both.stderr).toBe(0);
    expect(both.stdout).toContain(`records 0..${second.archivedTo - 1} are archived: checked in the archive`);

    // fleet replay reads the archive from both directories, and says which one it was not given.
    const env = { DATA_DIR: dirname(store), OPERATOR_ID: "op" };
    const replayOne = await pithead(["fleet", "replay", "--archive", oldNas, "--json"], { env });
    expect(replayOne.code, replayOne.stderr).toBe(3);
    expect(replayOne.stderr).toMatch(
      new RegExp(
        `^error: cannot read partition "fleet/op"'s archived records: archived segment .* is in ${newNas}, which was not given`,
      ),
    );
    const replayBoth = await pithead(["fleet", "replay", "--archive", oldNas, "--archive", newNas, "--json"], { env });
    const [replayed] = JSON.parse(replayBoth.stdout) as {
      records: number;
      archived: { records: number; read: boolean };
    }[];
    expect(replayed).toMatchObject({ records: 2000, archived: { records: second.archivedTo, read: true } });

    // A changed segment is still damage.
    const file = join(newNas, "fleet", "op", second.moved[0]!.name);
    const original = readFileSync(file);
    writeFileSync(file, Buffer.concat([original, Buffer.from("junk")]));
    const altered = await pithead(["ledger", "verify", dir, "--archive", oldNas, "--archive", newNas]);
    expect(altered.code).toBe(1);
    expect(altered.stdout).toContain(`archived segment ${file} was altered`);
    writeFileSync(file, original);
  });

  it("verifies a partition's directory as its store: the key kept beside the store, and the partition's full name", async () => {
    const { store, dir } = await partition("keyed");
    writeFileSync(`${store}.key`, PEM, { mode: 0o600 });
    const ran = await pithead(["ledger", "verify", dir]);
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^✔ fleet\/op: 2000 records/);
    expect(ran.stdout).toContain(`checkpoint signatures checked with ${store}.key`);
    expect(ran.stdout).not.toContain("no verifier key was given");
  });
});

describe("pithead ledger archive on a SQLite store (a stopped coordinator's database)", () => {
  it("archives whole segments of 4096 records out of the database, then verify --archive checks them and a changed archived file fails", async () => {
    const db = join(root, "sqlite", "coordinator.db");
    mkdirSync(dirname(db), { recursive: true });
    const ledger = await openLedger({ store: "sqlite", path: db, signer });
    try {
      for (let i = 0; i < 4500; i += 500)
        await ledger.appendBatch(
          "coordinator",
          Array.from({ length: 500 }, (_, k) => ({
            type: "coordinator.job_done",
            body: { job: `job-${i + k}` },
            at: new Date(T0 + (i + k) * 1000),
          })),
        );
      await ledger.checkpoint("coordinator");
    } finally {
      await ledger.close();
    }
    const archive = join(root, "sqlite-archive");
    const ran = await pithead(["ledger", "archive", db, "--to", archive, "--keep-days", "1", "--json"]);
    expect(ran.code, ran.stderr).toBe(0);
    const report = JSON.parse(ran.stdout) as { moved: { name: string }[]; archivedTo: number };
    expect(report.archivedTo).toBe(4096);
    expect(report.moved.map((m) => m.name)).toEqual(["000000000000-000000004096.jsonl.gz"]);

    const plain = await pithead(["ledger", "verify", db]);
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
    // It counts what it checked, not the archived records it continued past.
    expect(plain.stdout).toMatch(
      /✔ coordinator: 404 records verified \(1 checkpoint, .*\); records 0\.\.4095 are archived, not checked here \(give --archive DIR\)/,
    );
    const plainJson = await pithead(["ledger", "verify", db, "--json"]);
    expect(JSON.parse(plainJson.stdout).reports[0]).toMatchObject({
      records: 4500,
      checkedRecords: 404,
      archived: { records: 4096, checked: false },
    });
    const full = await pithead(["ledger", "verify", db, "--archive", archive]);
    expect(full.code, full.stdout + full.stderr).toBe(0);
    expect(full.stdout).toContain("records 0..4095 are archived: checked in the archive");
    expect(full.stdout).toMatch(/✔ coordinator: 4500 records, /);
    const listed = await pithead(["ledger", "partitions", db, "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)[0].archived).toMatchObject({ records: 4096, archives: [archive] });

    const file = join(archive, "coordinator", report.moved[0]!.name);
    const original = readFileSync(file);
    writeFileSync(file, Buffer.concat([original, Buffer.from("junk")]));
    const altered = await pithead(["ledger", "verify", db, "--archive", archive]);
    expect(altered.code).toBe(1);
    expect(altered.stdout).toContain(`archived segment ${file} was altered`);
    writeFileSync(file, original);

    // Read locally, an archived record says where it was moved (a server's 410 does not).
    const proof = await pithead(["ledger", "proof", db, "0"]);
    expect(proof.code).toBe(3);
    expect(proof.stderr).toContain(`record 0 of partition "coordinator" was archived on`);
    expect(proof.stderr).toContain(`(moved to ${archive})`);

    // A dry run beside the running writer (a coordinator holds the store): it needs no writer lock,
    // and tells what is already archived apart from what would move (nothing here).
    const writer = await openLedger({ store: "sqlite", path: db, signer });
    try {
      await writer.openWriter("coordinator");
      const dry = await pithead(["ledger", "archive", db, "--to", archive, "--keep-days", "1", "--dry-run"]);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain("coordinator: nothing to archive (dry run)");
      expect(dry.stdout).toContain("records 0..4095 are already archived");
      expect(dry.stdout).not.toContain("would be archived");
      // The real run is still refused while the writer holds the store.
      expect((await pithead(["ledger", "archive", db, "--to", archive, "--keep-days", "1"])).code).toBe(3);
    } finally {
      await writer.close();
    }
  });
});
