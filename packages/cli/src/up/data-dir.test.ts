// `pithead up --data` naming a file, or a path under a file: refused up front in words naming
// --data, creating nothing. Before: "error: EEXIST: file already exists, mkdir '/srv/pithead'".
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dataDirProblem } from "./data-dir.ts";
import { StackStartError, startStack } from "./start-stack.ts";
import { parseUpOptions } from "./up-options.ts";

const root = mkdtempSync(join(tmpdir(), "up-data-dir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const quiet = () => ({ update() {}, succeed() {}, fail() {} });

describe("pithead up --data", () => {
  it("refuses a file, naming --data, and leaves the file as it was", async () => {
    const file = join(root, "notes.txt");
    writeFileSync(file, "mine\n");
    const said = `--data ${file} is a file, not a directory: name a directory (up creates it when it is missing)`;
    expect(dataDirProblem(file)).toBe(said);
    await expect(startStack(parseUpOptions({ data: file }), quiet)).rejects.toThrow(new StackStartError(said));
    expect(readFileSync(file, "utf8")).toBe("mine\n");
  });

  it("refuses a path under a file, naming the file in the way", () => {
    const file = join(root, "in-the-way");
    writeFileSync(file, "");
    expect(dataDirProblem(join(file, "data", "pithead"))).toBe(
      `--data ${join(file, "data", "pithead")} cannot be created: ${file} is a file, not a directory`,
    );
  });

  it("takes a missing folder (made at start) and an existing one, creating nothing while checking", () => {
    const missing = join(root, "new", "data");
    expect(dataDirProblem(missing)).toBeUndefined();
    expect(existsSync(join(root, "new"))).toBe(false);
    expect(dataDirProblem(root)).toBeUndefined();
  });
});
