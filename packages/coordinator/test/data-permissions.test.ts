// Who may read the coordinator's database (every client's job prompts and outputs, wallets, receipts,
// key hashes): the coordinator's user alone. `--data` is often a 0755 directory such as
// /var/lib/pithead, and the usual umask is 022: the database, its -wal and -shm and every other file
// of the data directory are 0600 all the same, and an older version's 0644 database is tightened on
// start.
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startCoordinator } from "../src/start.ts";
import { tempDir } from "./support/temp-dir.ts";

let umask: number;
beforeEach(() => {
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
});

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
const modes = (dir: string) => Object.fromEntries(readdirSync(dir).map((name) => [name, mode(join(dir, name))]));

/** A 0755 directory, as /var/lib/pithead usually is. */
function openDir(path: string): string {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o755);
  return path;
}

/** `pithead coordinator start --data <data>`, with the log's warnings kept; a write lands in the -wal. */
async function startIn(data: string, flags: Record<string, string> = {}) {
  const warnings: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      warnings.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const running = await startCoordinator({
    flags: { dataDir: data, port: "0", ...flags },
    env: {},
    sweeper: false,
    logger: { level: "warn", stream },
  });
  const funded = await running.app.inject({
    method: "POST",
    url: "/v1/admin/wallets/w1/fund",
    headers: { authorization: `Bearer ${readFileSync(join(data, "admin.key"), "utf8").trim()}` },
    payload: { amount: 5 },
  });
  expect(funded.statusCode).toBe(200);
  return { running, warnings };
}

describe("the coordinator's files on disk", () => {
  it("in a 0755 --data under umask 022: coordinator.db, -wal, -shm, its lock and the keys are 0600, the archive directory it makes 0700", async () => {
    using dir = tempDir();
    const data = openDir(join(dir.path, "data"));
    const { running, warnings } = await startIn(data, { ledgerArchiveDir: join(dir.path, "archive") });
    try {
      expect(modes(data)).toEqual({
        "admin.key": "600",
        "coordinator.db": "600",
        "coordinator.db-shm": "600",
        "coordinator.db-wal": "600",
        "coordinator.db.lock": "600",
        "ledger.key": "600",
        "receipt-signing.key": "600",
      });
      expect(mode(join(dir.path, "archive"))).toBe("700");
      expect(mode(data)).toBe("755");
      expect(warnings).toEqual([]);
    } finally {
      await running.close();
    }
  });

  it("tightens a coordinator.db an older version left 0644, and the -wal and -shm beside it", async () => {
    using dir = tempDir();
    const data = openDir(join(dir.path, "data"));
    const first = await startIn(data);
    await first.running.close();
    const path = join(data, "coordinator.db");
    // The -wal and -shm of a process that still has the database open (or of one that was killed).
    const old = new DatabaseSync(path);
    old.prepare("SELECT count(*) FROM sqlite_master").get();
    for (const suffix of ["", "-wal", "-shm"]) chmodSync(path + suffix, 0o644);
    const started = await startIn(data);
    try {
      expect(modes(data)).toMatchObject({
        "coordinator.db": "600",
        "coordinator.db-wal": "600",
        "coordinator.db-shm": "600",
      });
      expect(started.warnings).toEqual([]);
    } finally {
      await started.running.close();
      old.close();
    }
  });

  it.skipIf(process.getuid?.() !== 0)(
    "a database that belongs to another user is left as it is and the start goes on, with a warning",
    async () => {
      using dir = tempDir();
      const data = openDir(join(dir.path, "data"));
      const first = await startIn(data);
      await first.running.close();
      const path = join(data, "coordinator.db");
      chmodSync(path, 0o644);
      chownSync(path, 4242, 4242);
      const { running, warnings } = await startIn(data);
      try {
        expect(mode(path)).toBe("644");
        expect(warnings).toEqual([
          expect.objectContaining({
            level: 40,
            msg: `${path} is readable by other users (mode 644) and belongs to user 4242: run \`chmod 600 ${path}\` as that user`,
          }),
        ]);
      } finally {
        await running.close();
      }
    },
  );
});
