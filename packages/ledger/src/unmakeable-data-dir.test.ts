// A data directory that cannot exist (under /proc, or below a file) must fail at once with an error
// naming the path, not hang (Node's recursive mkdir loops forever under /proc) or print a raw ENOTDIR.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const signerUrl = pathToFileURL(join(import.meta.dirname, "signer.ts")).href;
const filesUrl = pathToFileURL(join(import.meta.dirname, "private-files.ts")).href;
const openUrl = pathToFileURL(join(import.meta.dirname, "open-ledger.ts")).href;

/** Runs `call` in a child process (a hang cannot be interrupted in-process): its error message, or "HUNG". */
function errorOf(imports: string, call: string): string {
  const script = `${imports}\ntry { ${call}; console.log("NO ERROR"); } catch (e) { console.log(e.message); }`;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 20_000,
  });
  if (child.signal !== null) return "HUNG";
  return child.stdout.trim();
}

describe("a data directory that cannot be made", () => {
  it.skipIf(!existsSync("/proc/self"))("under /proc: the key file's directory is named, no hang", () => {
    const message = errorOf(
      `import { loadOrCreateSigner } from ${JSON.stringify(signerUrl)};`,
      `loadOrCreateSigner("/proc/pithead-nope/deeper/fleet-ledger.key", "pithead.test")`,
    );
    expect(message).toContain("cannot create the directory /proc/pithead-nope");
    expect(message).toContain("does not allow new directories");
  });

  it.skipIf(!existsSync("/proc/self"))("under /proc: a JSONL ledger's directory is named, no hang", () => {
    const message = errorOf(
      `import { openLedger } from ${JSON.stringify(openUrl)};`,
      `await openLedger({ store: "jsonl", dir: "/proc/pithead-nope/ledger" })`,
    );
    expect(message).toContain("cannot create the directory /proc/pithead-nope");
  });

  it.skipIf(!existsSync("/proc/self"))("under /proc: a SQLite database's directory is named, no hang", () => {
    const message = errorOf(
      `import { preparePrivateSqlite } from ${JSON.stringify(filesUrl)};`,
      `preparePrivateSqlite("/proc/pithead-nope/coordinator.db")`,
    );
    expect(message).toContain("cannot create the directory /proc/pithead-nope");
  });

  it("below a file: names the file in the way, not a raw ENOTDIR", () => {
    const dir = mkdtempSync(join(tmpdir(), "pithead-unmakeable-"));
    try {
      writeFileSync(join(dir, "afile"), "");
      const message = errorOf(
        `import { loadOrCreateSigner } from ${JSON.stringify(signerUrl)};`,
        `loadOrCreateSigner(${JSON.stringify(join(dir, "afile", "d", "fleet-ledger.key"))}, "pithead.test")`,
      );
      expect(message).toContain(`${join(dir, "afile")} is a file, not a directory`);
      expect(message).not.toMatch(/^ENOTDIR/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
