// A checkpoint key is created whole or not at all: a first start that dies while writing it (a full
// disk, a crash) must not leave a short key that every later start refuses.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadOrCreateSigner } from "../src/index.ts";
import { tempDir } from "./helpers.ts";

const run = promisify(execFile);
const signerModule = new URL("../src/index.ts", import.meta.url).href;

describe("the checkpoint key file", () => {
  it("a first start killed while writing the key leaves no key behind, and the next start creates a whole one", async () => {
    using dir = tempDir();
    const keyFile = join(dir.path, "data", "ledger.key");
    // `ulimit -f 0`: the first byte written to any file is over the limit, as on a full disk; the
    // kernel's SIGXFSZ stops the process right there.
    const script = `import { loadOrCreateSigner } from ${JSON.stringify(signerModule)}; loadOrCreateSigner(${JSON.stringify(keyFile)}, "test.local");`;
    const died = await run("sh", [
      "-c",
      `ulimit -f 0; exec "${process.execPath}" --input-type=module -e '${script}'`,
    ]).then(
      () => false,
      () => true,
    );
    expect(died).toBe(true);
    expect(readdirSync(join(dir.path, "data")).filter((name) => name === "ledger.key")).toEqual([]);

    const signer = loadOrCreateSigner(keyFile, "test.local");
    expect(signer.publicKey.length).toBe(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    // The same key on the next start.
    expect(loadOrCreateSigner(keyFile, "test.local").verifierKey).toBe(signer.verifierKey);
  });

  it("an empty key file (left by an older version) is refused, naming the file and what to do", () => {
    using dir = tempDir();
    const keyFile = join(dir.path, "ledger.key");
    writeFileSync(keyFile, "", { mode: 0o600 });
    expect(() => loadOrCreateSigner(keyFile, "test.local")).toThrow(`key file ${keyFile} is empty`);
    expect(() => loadOrCreateSigner(keyFile, "test.local")).toThrow("delete it and start again");
    expect(readFileSync(keyFile, "utf8")).toBe("");
  });

  it("a key file that is not a key names the file", () => {
    using dir = tempDir();
    const keyFile = join(dir.path, "ledger.key");
    writeFileSync(keyFile, "not a key\n", { mode: 0o600 });
    expect(() => loadOrCreateSigner(keyFile, "test.local")).toThrow(`key file ${keyFile}: private key must be`);
  });
});
