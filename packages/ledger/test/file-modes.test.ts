// Who may read a ledger's files (every record: job prompts and outputs, payouts, decisions): its
// owner alone, under the usual umask 022 and in a 0755 directory such as /var/lib/pithead. Every
// file a store, a seal, an archive run or an export writes is 0600 and every directory it makes
// 0700; files an older version left 0644 are tightened when a writer opens them.
import {
  appendFileSync,
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exportPartition, type Ledger, openLedger } from "../src/index.ts";
import { tempDir, testSigner } from "./helpers.ts";

const signer = testSigner();
const P = "fleet/op";

let umask: number;
beforeEach(() => {
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
});

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** Every file and directory under `dir` (itself left out), by path relative to it, with its mode. */
function modesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out[entry.name] = mode(path);
    if (entry.isDirectory()) {
      for (const [name, m] of Object.entries(modesUnder(path))) out[join(entry.name, name)] = m;
    }
  }
  return out;
}

/** A 0755 directory, as /var/lib/pithead usually is. */
function openDir(path: string): string {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o755);
  return path;
}

/** Enough records (checkpointed every 50) for a seal of 4 KiB to cut segments. */
async function fill(ledger: Ledger, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await ledger.append(P, "fleet.telemetry", { miner: `m${i}`, prompt: "x".repeat(200) });
    if (i % 50 === 49) await ledger.checkpoint(P);
  }
}

const everyFile600AndDir700 = (modes: Record<string, string>, dirs: string[]) =>
  Object.fromEntries(Object.keys(modes).map((name) => [name, dirs.includes(name) ? "700" : "600"]));

describe("ledger files are readable by their owner alone", () => {
  it("JSONL: records, checkpoints, caches, lock, sealed segments, the archive manifest, archived copies and an export are 0600, directories 0700", async () => {
    using dir = tempDir();
    const data = openDir(join(dir.path, "data"));
    const root = join(data, "ledger");
    const archive = join(data, "archive");
    let ledger = await openLedger({ store: "jsonl", dir: root, signer, sealBytes: 4096 });
    await fill(ledger, 200);
    await ledger.close();
    ledger = await openLedger({ store: "jsonl", dir: root, signer, sealBytes: 4096 });
    try {
      const report = await ledger.archive!(P, { to: archive, belowSeq: 100 });
      expect(report.moved.length).toBeGreaterThan(0);
      await exportPartition(ledger, P, join(data, "op.export.jsonl"));
      const modes = modesUnder(data);
      // What this test counts on being there: the store's files, sealed segments left and archived.
      expect(Object.keys(modes)).toEqual(
        expect.arrayContaining([
          "ledger/fleet/op.ledger/records.jsonl",
          "ledger/fleet/op.ledger/checkpoints.jsonl",
          "ledger/fleet/op.ledger/index.bin",
          "ledger/fleet/op.ledger/tree.bin",
          "ledger/fleet/op.ledger/writer.lock",
          "ledger/fleet/op.ledger/sealed/archived.jsonl",
          "op.export.jsonl",
        ]),
      );
      expect(Object.keys(modes).filter((name) => name.endsWith(".jsonl.gz")).length).toBeGreaterThan(1);
      const dirs = ["ledger", "ledger/fleet", "ledger/fleet/op.ledger", "ledger/fleet/op.ledger/sealed"];
      dirs.push("archive", "archive/fleet", "archive/fleet/op");
      expect(modes).toEqual(everyFile600AndDir700(modes, dirs));
      expect(mode(data)).toBe("755");
    } finally {
      await ledger.close();
    }
  });

  it("SQLite: the database, its -wal and -shm, and archived copies are 0600, directories 0700", async () => {
    using dir = tempDir();
    const data = openDir(join(dir.path, "data"));
    const ledger = await openLedger({ store: "sqlite", path: join(data, "db", "ledger.db"), signer });
    try {
      await fill(ledger, 100);
      await ledger.archive!(P, { to: join(data, "archive"), belowSeq: 64, segmentRecords: 32 });
      const modes = modesUnder(data);
      expect(Object.keys(modes)).toEqual(
        expect.arrayContaining(["db/ledger.db", "db/ledger.db-wal", "db/ledger.db-shm", "archive/fleet/op"]),
      );
      expect(Object.keys(modes).filter((name) => name.startsWith("archive/fleet/op/")).length).toBeGreaterThan(1);
      const dirs = ["db", "archive", "archive/fleet", "archive/fleet/op"];
      expect(modes).toEqual(everyFile600AndDir700(modes, dirs));
    } finally {
      await ledger.close();
    }
  });

  it("JSONL: a writer's open tightens the files an older version left 0644; a torn tail moved aside is 0600", async () => {
    using dir = tempDir();
    const root = join(openDir(join(dir.path, "data")), "ledger");
    let ledger = await openLedger({ store: "jsonl", dir: root, signer, sealBytes: 4096 });
    await fill(ledger, 200);
    await ledger.close();
    const part = join(root, "fleet", "op.ledger");
    const files = Object.keys(modesUnder(part)).filter((name) => name !== "sealed");
    for (const name of files) chmodSync(join(part, name), 0o644);
    // A line a crash cut short: moved aside on open, into a file of its own.
    appendFileSync(join(part, "records.jsonl"), '{"at":"2026-');
    const warnings: string[] = [];
    ledger = await openLedger({ store: "jsonl", dir: root, signer, onWarning: (m) => warnings.push(m) });
    try {
      await ledger.append(P, "ops.note", { by: "ops" });
      expect(Object.fromEntries(files.map((name) => [name, mode(join(part, name))]))).toEqual(
        Object.fromEntries(files.map((name) => [name, "600"])),
      );
      expect(warnings).toEqual([]);
      const torn = readdirSync(part).filter((name) => name.startsWith("records.jsonl.torn-"));
      expect(torn.map((name) => mode(join(part, name)))).toEqual(["600"]);
    } finally {
      await ledger.close();
    }
  });

  it("SQLite: opening tightens a database, -wal and -shm an older version left 0644", async () => {
    using dir = tempDir();
    const path = join(openDir(join(dir.path, "data")), "ledger.db");
    // An older version's database, its -wal and -shm still there (a process that still has it open).
    const old = new DatabaseSync(path);
    old.exec("PRAGMA journal_mode = WAL; CREATE TABLE left_over (x); INSERT INTO left_over VALUES (1);");
    const files = [path, `${path}-wal`, `${path}-shm`];
    for (const file of files) chmodSync(file, 0o644);
    const warnings: string[] = [];
    const ledger = await openLedger({ store: "sqlite", path, signer, onWarning: (m) => warnings.push(m) });
    try {
      expect(files.map(mode)).toEqual(["600", "600", "600"]);
      expect(warnings).toEqual([]);
    } finally {
      await ledger.close();
      old.close();
    }
  });

  it("SQLite: a path naming a file that is not a database is refused, the file's mode and bytes as they were", async () => {
    using dir = tempDir();
    const path = join(openDir(join(dir.path, "data")), "passwd");
    writeFileSync(path, "root:x:0:0:root:/root:/bin/bash\n");
    chmodSync(path, 0o644);
    await expect(openLedger({ store: "sqlite", path, signer })).rejects.toThrow(
      `${path} is not a SQLite database (it does not begin with SQLite's header); it is left as it was`,
    );
    expect(mode(path)).toBe("644");
    expect(readFileSync(path, "utf8")).toBe("root:x:0:0:root:/root:/bin/bash\n");
    expect(readdirSync(join(dir.path, "data"))).toEqual(["passwd"]);
  });

  it.skipIf(process.getuid?.() !== 0)(
    "a database file of another user is left as it is, with a warning, and the ledger still opens",
    async () => {
      using dir = tempDir();
      const path = join(openDir(join(dir.path, "data")), "ledger.db");
      writeFileSync(path, "");
      chmodSync(path, 0o644);
      chownSync(path, 4242, 4242);
      const warnings: string[] = [];
      const ledger = await openLedger({ store: "sqlite", path, signer, onWarning: (m) => warnings.push(m) });
      try {
        expect((await ledger.append(P, "ops.note", { by: "ops" })).seq).toBe(0);
        expect(mode(path)).toBe("644");
        expect(warnings).toEqual([
          `${path} is readable by other users (mode 644) and belongs to user 4242: run \`chmod 600 ${path}\` as that user`,
        ]);
      } finally {
        await ledger.close();
      }
    },
  );
});
