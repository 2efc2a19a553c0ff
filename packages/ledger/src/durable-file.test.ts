import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readOnlyDir } from "@pithead/testkit";
import { describe, expect, it } from "vitest";
import { DurableWriteError, writeFileDurably, writeFileSynced } from "./durable-file.ts";

interface TempDir extends Disposable {
  path: string;
}

function tempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), "pithead-durable-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** Another process writes `text` to `file` and is killed (SIGKILL) as it calls rename: after the fsync, before the commit. */
function crashBeforeRename(file: string, text: string): NodeJS.Signals | null {
  const script = `
    import fsp from "node:fs/promises";
    import { syncBuiltinESMExports } from "node:module";
    fsp.rename = () => process.kill(process.pid, "SIGKILL");
    syncBuiltinESMExports();
    const { writeFileDurably } = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, "durable-file.ts")).href)});
    await writeFileDurably(${JSON.stringify(file)}, ${JSON.stringify(text)});`;
  return spawnSync(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore" }).signal;
}

describe("writeFileDurably", () => {
  it("a crash between the write and the rename leaves the old file whole, and the next write trips over nothing it left", async () => {
    using dir = tempDir();
    const file = join(dir.path, "state.snapshot");
    await writeFileDurably(file, "old");
    expect(crashBeforeRename(file, "new, never committed")).toBe("SIGKILL");
    expect(readFileSync(file, "utf8")).toBe("old");
    // What the crash left: the fsynced temp, under the one name every write uses.
    expect(readdirSync(dir.path).sort()).toEqual(["state.snapshot", "state.snapshot.tmp"]);

    await writeFileDurably(file, "newer");
    expect(readFileSync(file, "utf8")).toBe("newer");
    expect(readdirSync(dir.path)).toEqual(["state.snapshot"]);
  });

  it("files are 0600 and new directories 0700, whatever the file it replaces or a crash's leftover temp had", async () => {
    using dir = tempDir();
    const file = join(dir.path, "made", "here", "result.json");
    await writeFileDurably(file, "{}");
    expect([mode(file), mode(join(dir.path, "made")), mode(join(dir.path, "made", "here"))]).toEqual([
      "600",
      "700",
      "700",
    ]);

    chmodSync(file, 0o644);
    await writeFileDurably(file, "{ }");
    expect(mode(file)).toBe("600");

    // A temp left 0644 (by an older version, or another umask) is reused, not trusted.
    writeFileSync(`${file}.tmp`, "partial");
    chmodSync(`${file}.tmp`, 0o644);
    await writeFileDurably(file, "{  }");
    expect([mode(file), readFileSync(file, "utf8")]).toEqual(["600", "{  }"]);
  });

  it("a write under a read-only directory fails with an error naming the file and the system's reason, and leaves nothing", async (context) => {
    using readOnly = readOnlyDir();
    if (!readOnly) return context.skip("no read-only directory can be made here (root without mount)");
    for (const file of [join(readOnly.path, "fleet.snapshot"), join(readOnly.path, "missing", "fleet.snapshot")]) {
      const error = await writeFileDurably(file, "bytes").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DurableWriteError);
      // The real cause (a recursive mkdir would say ENOENT for the missing directory).
      expect(error).toMatchObject({ code: readOnly.code, path: file });
      expect((error as Error).message).toContain(readOnly.code);
      expect((error as Error).message).toContain(`(writing ${file})`);
    }
    expect(readdirSync(readOnly.path)).toEqual([]);
  });
});

describe("writeFileSynced", () => {
  it("writes in place, 0600 even over a file that was 0644", async () => {
    using dir = tempDir();
    const file = join(dir.path, "output.png");
    writeFileSync(file, "an earlier attempt's output");
    chmodSync(file, 0o644);
    await writeFileSynced(file, Buffer.from([0x89, 0x50]));
    expect([mode(file), readFileSync(file)]).toEqual(["600", Buffer.from([0x89, 0x50])]);
    expect(readdirSync(dir.path)).toEqual(["output.png"]);
  });
});
