import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isLoopbackUrl, upKey } from "./local-keys.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-local-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keys = {
  version: 1,
  coordinatorAdminKey: "ph_admin_local",
  agentApiKey: "agent",
  fleet: { operatorId: "default", secret: "s" },
  client: { id: "c1", key: "ph_client_local", wallet: "up-client" },
};

function keysFile(mode: number): string {
  const data = mkdtempSync(join(dir, "data-"));
  const file = join(data, "keys.json");
  writeFileSync(file, JSON.stringify(keys));
  chmodSync(file, mode);
  return data;
}

describe("keys of `pithead up` for the commands run beside it", () => {
  it("hands the admin or client key to a coordinator on this machine", () => {
    const data = keysFile(0o600);
    expect(upKey("admin", "http://127.0.0.1:8080", data)).toBe("ph_admin_local");
    expect(upKey("client", "http://localhost:9000/", data)).toBe("ph_client_local");
    expect(upKey("client", "http://[::1]:8080", data)).toBe("ph_client_local");
  });

  it("never sends them to another machine, nor reads a keys file others can read", () => {
    const data = keysFile(0o600);
    expect(upKey("admin", "https://coordinator.example.net", data)).toBeUndefined();
    expect(upKey("admin", "http://10.0.0.5:8080", data)).toBeUndefined();
    expect(upKey("admin", "http://127.0.0.1.example.net:8080", data)).toBeUndefined();
    expect(upKey("admin", "http://127.0.0.1:8080", keysFile(0o644))).toBeUndefined();
    expect(upKey("admin", "http://127.0.0.1:8080", join(dir, "nowhere"))).toBeUndefined();
  });

  it("knows a loopback URL", () => {
    expect(
      ["http://127.0.0.1", "http://127.1.2.3:1", "http://localhost:8080", "http://[::1]/"].map(isLoopbackUrl),
    ).toEqual([true, true, true, true]);
    expect(["http://0.0.0.0", "http://192.168.1.5", "not a url", "http://localhost.evil"].map(isLoopbackUrl)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
