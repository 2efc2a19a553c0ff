// The state snapshot file after a crash mid-write: the old snapshot stays, and the next write
// leaves the snapshot alone in its directory (each crash used to leave a snapshot-sized
// .<name>.<random>.tmp behind for good).

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import fsp from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readSnapshotFile, writeSnapshotFile } from "../src/orchestrator/snapshot-file.ts";

const realRename = fsp.rename;

/** The next rename never returns, as in a process killed just before it: the temp stays on disk. */
function crashAtNextRename(): Promise<void> {
  return new Promise((reached) => {
    fsp.rename = () => {
      fsp.rename = realRename;
      syncBuiltinESMExports();
      reached();
      return new Promise<void>(() => {});
    };
    syncBuiltinESMExports();
  });
}

afterEach(() => {
  fsp.rename = realRename;
  syncBuiltinESMExports();
});

describe("the state snapshot file", () => {
  it("a crash between the write and the rename keeps the old snapshot, and the next write leaves no temp file behind", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fleet-snapshot-file-"));
    try {
      const file = join(dir, "fleet-state-op.snapshot");
      await writeSnapshotFile(file, Buffer.from("cycle 1"));
      const crashed = crashAtNextRename();
      void writeSnapshotFile(file, Buffer.from("cycle 2, never committed"));
      await crashed;
      expect((await readSnapshotFile(file))?.toString()).toBe("cycle 1");

      await writeSnapshotFile(file, Buffer.from("cycle 3"));
      expect(readFileSync(file, "utf8")).toBe("cycle 3");
      expect(readdirSync(dir)).toEqual(["fleet-state-op.snapshot"]);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
