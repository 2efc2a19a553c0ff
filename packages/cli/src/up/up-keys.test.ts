import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KeysFileError, keysFile, loadOrCreateUpKeys, saveUpKeys } from "./up-keys.ts";

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), "pithead-up-keys-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the keys pithead up keeps", () => {
  it("are made once, readable by the owner only, and the same on every later start", () => {
    const dir = fresh();
    const first = loadOrCreateUpKeys(dir);
    expect(first.created).toBe(true);
    expect(first.keys.coordinatorAdminKey).toMatch(/^ph_admin_[0-9a-f]{12}_/);
    expect(first.keys.agentApiKey.length).toBeGreaterThanOrEqual(40);
    expect(first.keys.fleet.secret.length).toBeGreaterThanOrEqual(16);
    expect(statSync(keysFile(dir)).mode & 0o777).toBe(0o600);
    const again = loadOrCreateUpKeys(dir);
    expect(again).toEqual({ keys: first.keys, created: false });
  });

  it("keep what the coordinator issued when saved again", () => {
    const dir = fresh();
    const { keys } = loadOrCreateUpKeys(dir);
    saveUpKeys(dir, { ...keys, client: { id: "c1", key: "ph_client_x", wallet: "up-client" } });
    expect(loadOrCreateUpKeys(dir).keys.client).toEqual({ id: "c1", key: "ph_client_x", wallet: "up-client" });
    expect(statSync(keysFile(dir)).mode & 0o777).toBe(0o600);
  });

  it("refuse a keys file others can read, saying how to fix it", () => {
    const dir = fresh();
    loadOrCreateUpKeys(dir);
    chmodSync(keysFile(dir), 0o644);
    expect(() => loadOrCreateUpKeys(dir)).toThrow(KeysFileError);
    expect(() => loadOrCreateUpKeys(dir)).toThrow(`chmod 600 ${keysFile(dir)}`);
  });

  it("refuse a damaged keys file instead of silently making new keys", () => {
    const dir = fresh();
    loadOrCreateUpKeys(dir);
    const before = readFileSync(keysFile(dir), "utf8");
    writeFileSync(keysFile(dir), before.slice(0, 20), { mode: 0o600 });
    expect(() => loadOrCreateUpKeys(dir)).toThrow(/not valid JSON/);
    writeFileSync(keysFile(dir), '{"version":2}', { mode: 0o600 });
    expect(() => loadOrCreateUpKeys(dir)).toThrow(/not a pithead up keys file/);
  });
});
