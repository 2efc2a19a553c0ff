// `pithead coordinator start` refusing what it is given: a malformed flag or PITHEAD_* value is a
// usage error (2) like every command's; a --data or admin.key that cannot be one is named with what
// to do, not as the OS's bare EEXIST/EISDIR.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pithead } from "./support/run-pithead.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-cli-start-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lastLine = (text: string) => text.trim().split("\n").at(-1);

describe("pithead coordinator start", () => {
  it("exits 2 for a malformed flag or PITHEAD_* value, naming it", async () => {
    const data = ["--data", join(dir, "unused")];
    const [port, retention, fromEnv] = await Promise.all([
      pithead(["coordinator", "start", "--port", "abc", ...data]),
      pithead(["coordinator", "start", "--result-retention-days", "0.5", ...data]),
      pithead(["coordinator", "start", ...data], { env: { PITHEAD_RESULT_RETENTION_DAYS: "x" } }),
    ]);
    expect([port.code, retention.code, fromEnv.code]).toEqual([2, 2, 2]);
    expect(lastLine(port.stderr)).toBe('error: --port (PITHEAD_PORT): must be an integer, got "abc"');
    expect(lastLine(fromEnv.stderr)).toBe('error: PITHEAD_RESULT_RETENTION_DAYS: must be an integer, got "x"');
  });

  it("exits 2 for a --data that is a file, naming it and what to pass", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const [itself, under] = await Promise.all([
      pithead(["coordinator", "start", "--port", "0", "--data", file]),
      pithead(["coordinator", "start", "--port", "0", "--data", join(file, "sub")]),
    ]);
    expect([itself.code, under.code]).toEqual([2, 2]);
    expect(lastLine(itself.stderr)).toBe(
      `error: --data: ${file} is a file, not a directory: pass a directory (it is created if missing)`,
    );
    expect(lastLine(under.stderr)).toContain(`${file} is a file, so ${join(file, "sub")} cannot be made under it`);
  });

  it("exits 2 for a --db naming a file that is not a database, leaving its mode and bytes as they were", async () => {
    const wrong = join(dir, "hosts");
    writeFileSync(wrong, "127.0.0.1 localhost\n");
    chmodSync(wrong, 0o644);
    const ran = await pithead(["coordinator", "start", "--port", "0", "--data", join(dir, "db-data"), "--db", wrong]);
    expect(ran.code).toBe(2);
    expect(lastLine(ran.stderr)).toBe(
      `error: --db / PITHEAD_DB: ${wrong} is not a SQLite database (it does not begin with SQLite's header); it is left as it was`,
    );
    expect((statSync(wrong).mode & 0o777).toString(8)).toBe("644");
    expect(readFileSync(wrong, "utf8")).toBe("127.0.0.1 localhost\n");
  });

  it("names an admin.key that is a directory and says what to do", async () => {
    const data = join(dir, "admin-key-dir");
    mkdirSync(join(data, "admin.key"), { recursive: true });
    const ran = await pithead(["coordinator", "start", "--port", "0", "--data", data]);
    expect(ran.code).toBe(1);
    expect(lastLine(ran.stderr)).toBe(
      `error: ${join(data, "admin.key")} is a directory, not the admin key file: move it away and start again (a new admin key is written there), or set PITHEAD_ADMIN_KEY`,
    );
  });

  it("names a port another process holds and the setting to change, not Node's bare EADDRINUSE", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const ran = await pithead(["coordinator", "start", "--port", String(port), "--data", join(dir, "port-taken")]);
      expect(ran.code).toBe(1);
      expect(lastLine(ran.stderr)).toBe(
        `error: port ${port} on 127.0.0.1 is already in use by another process: stop what uses it, or set PITHEAD_PORT (pithead coordinator start --port) to another port`,
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
