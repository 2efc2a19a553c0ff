// The next steps `pithead coordinator start` prints must work as pasted, wherever the admin key is:
// in --data (its first start), in PITHEAD_ADMIN_KEY, or only in the --data of the coordinator that
// created the database (a second process on it, whose own --data has no admin.key).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nextSteps, startRefusal } from "./coordinator.ts";

const root = mkdtempSync(join(tmpdir(), "pithead-cli-next-steps-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const URL = "http://127.0.0.1:8181";

function dir(name: string, adminKey = false): string {
  const path = join(root, name);
  mkdirSync(path, { recursive: true });
  if (adminKey) writeFileSync(join(path, "admin.key"), "ph_admin_key\n", { mode: 0o600 });
  return path;
}

const commands = (lines: string[]) => lines.filter((line) => line.includes("npx pithead"));

describe("the next steps after coordinator start", () => {
  it("pass --data when admin.key is there (written now, or earlier)", () => {
    const data = dir("own", true);
    const lines = nextSteps(
      URL,
      { dataDir: data, db: { kind: "sqlite", path: join(data, "coordinator.db") }, adminKey: undefined },
      false,
    );
    expect(commands(lines)).toHaveLength(3);
    for (const line of commands(lines)) expect(line).toContain(`--url ${URL} --data ${data}`);
  });

  it("with PITHEAD_ADMIN_KEY and no admin.key, say the commands read it from the environment", () => {
    const data = dir("env");
    const lines = nextSteps(
      URL,
      { dataDir: data, db: { kind: "postgres", url: "postgres://db/x" }, adminKey: "k".repeat(20) },
      false,
    );
    expect(lines[0]).toContain("PITHEAD_ADMIN_KEY");
    for (const line of commands(lines)) expect(line).not.toMatch(/--data|--admin-key-file/);
  });

  it("on a database another coordinator created, point at its admin.key: beside a SQLite file, else say where it is", () => {
    const first = dir("first", true);
    const second = dir("second");
    const sqlite = nextSteps(
      URL,
      { dataDir: second, db: { kind: "sqlite", path: join(first, "coordinator.db") }, adminKey: undefined },
      false,
    );
    for (const line of commands(sqlite)) expect(line).toContain(`--admin-key-file ${join(first, "admin.key")}`);
    const pg = nextSteps(
      URL,
      { dataDir: second, db: { kind: "postgres", url: "postgres://db/x" }, adminKey: undefined },
      false,
    );
    expect(pg[0]).toContain("the admin.key in the --data of the coordinator that created it");
    for (const line of commands(pg)) expect(line).toContain("--admin-key-file <its data dir>/admin.key");
  });

  it("on its own SQLite database with admin.key gone, say how to register a new admin key, not a file it lacks", () => {
    const data = dir("lost");
    const lines = nextSteps(
      URL,
      { dataDir: data, db: { kind: "sqlite", path: join(data, "coordinator.db") }, adminKey: undefined },
      false,
    );
    expect(lines[0]).toContain(`${data} has no admin.key, and the database has an admin key`);
    expect(lines[0]).toContain(
      "restart the coordinator with PITHEAD_ADMIN_KEY set to a new random key of 16+ characters",
    );
    expect(lines[0]).not.toContain("the coordinator that created it");
    for (const line of commands(lines)) expect(line).not.toMatch(/--data|--admin-key-file/);
  });
});

describe("a start the OS refuses names what to change", () => {
  const osError = (code: string, message: string, path?: string) =>
    Object.assign(new Error(message), { code, ...(path ? { path } : {}) });

  it("a data directory it may not write: the path, the reason and --data, not Node's EACCES line", () => {
    const refused = startRefusal(osError("EACCES", "EACCES: permission denied, mkdir '/srv/x'", "/srv/x"), undefined);
    expect(refused?.exitCode).toBe(1);
    expect(refused?.message).toBe(
      "cannot write /srv/x: permission denied: start as a user who may write there, or pass another --data (PITHEAD_DATA)",
    );
  });

  it("a --host that is not this machine's: a usage error (exit 2) naming the flag", () => {
    const refused = startRefusal(osError("ENOTFOUND", "getaddrinfo ENOTFOUND 999.1.1.1"), "--host 999.1.1.1");
    expect(refused?.exitCode).toBe(2);
    expect(refused?.message).toMatch(/^--host 999\.1\.1\.1 is not an address of this machine \(getaddrinfo/);
    expect(startRefusal(osError("EADDRNOTAVAIL", "listen EADDRNOTAVAIL"), "--host 10.9.9.9")?.exitCode).toBe(2);
  });

  it("anything else is left to the generic error line", () => {
    expect(startRefusal(new Error("boom"), "--host 127.0.0.1")).toBeUndefined();
  });
});
