// Which key `keys`, `wallet` and `jobs` used is said when the coordinator refuses it: a key picked
// up from a file nearby (pithead up's ./data/keys.json) is easily not the one meant.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCoordinator, startCoordinator } from "@pithead/coordinator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pithead } from "./support/run-pithead.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-cli-key-sources-"));
let coordinator: RunningCoordinator;

beforeAll(async () => {
  coordinator = await startCoordinator({
    flags: {
      port: "0",
      dataDir: join(dir, "coordinator"),
      adminKey: "ph_admin_0123456789ab_rightrightrightrightrightright",
    },
    env: {},
    logger: false,
    sweeper: false,
  });
});
afterAll(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A folder with a `pithead up` keys.json whose keys this coordinator does not know. */
function staleUpData(): string {
  const data = join(dir, "up-data");
  mkdirSync(data, { recursive: true });
  const keys = {
    version: 1,
    coordinatorAdminKey: "ph_admin_stale",
    agentApiKey: "a",
    fleet: { operatorId: "default", secret: "s" },
    client: { id: "c", key: "ph_client_stale", wallet: "up-client" },
  };
  writeFileSync(join(data, "keys.json"), JSON.stringify(keys));
  chmodSync(join(data, "keys.json"), 0o600);
  return data;
}

describe("a refused key is named by where it came from", () => {
  it("the admin key of keys / wallet fund: PITHEAD_ADMIN_KEY, or pithead up's keys.json", async () => {
    const url = ["--url", coordinator.url];
    const fromEnv = await pithead(["keys", "list", ...url, "--data", join(dir, "none")], {
      env: { PITHEAD_ADMIN_KEY: "ph_admin_wrong" },
    });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr.trim()).toBe(
      "error: Unknown or revoked API key [UNAUTHORIZED]; the key used came from PITHEAD_ADMIN_KEY",
    );
    const data = staleUpData();
    const fromUp = await pithead(["wallet", "fund", "w", "10", ...url, "--data", data]);
    expect(fromUp.stderr.trim()).toBe(
      `error: Unknown or revoked API key [UNAUTHORIZED]; the key used came from ${join(data, "keys.json")} (pithead up's keys)`,
    );
  });

  it("the client key of jobs: PITHEAD_KEY, or pithead up's keys.json", async () => {
    const data = staleUpData();
    const ran = await pithead(["jobs", "get", "01a202e5-1f38-72d2-966a-a0639720a295", "--url", coordinator.url], {
      env: { PITHEAD_DATA: data },
    });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(`the key used came from ${join(data, "keys.json")} (pithead up's keys)`);
  });
});

describe("a key file that is there but not usable is named as such, not as missing", () => {
  it("a pithead up keys.json others can read: refused for its mode, with the chmod that fixes it", async () => {
    const data = staleUpData();
    const file = join(data, "keys.json");
    chmodSync(file, 0o644);
    try {
      const [keys, jobs] = await Promise.all([
        pithead(["keys", "list", "--url", coordinator.url, "--data", data]),
        pithead(["jobs", "get", "01a202e5-1f38-72d2-966a-a0639720a295", "--url", coordinator.url], {
          env: { PITHEAD_DATA: data },
        }),
      ]);
      for (const ran of [keys, jobs]) {
        expect(ran.code).toBe(1);
        expect(ran.stderr).toContain(
          `${file} of pithead up is not used because others can read it (mode 644): run chmod 600 ${file}`,
        );
        expect(ran.stderr).not.toContain("do not exist");
      }
    } finally {
      chmodSync(file, 0o600);
    }
  });

  it("an admin.key others can read is still used, with a warning on stderr", async () => {
    const data = join(dir, "readable-admin-key");
    mkdirSync(data, { recursive: true });
    const file = join(data, "admin.key");
    writeFileSync(file, "ph_admin_0123456789ab_rightrightrightrightrightright\n");
    chmodSync(file, 0o644);
    const ran = await pithead(["keys", "list", "--url", coordinator.url, "--data", data]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain("admin");
    expect(ran.stderr.trim()).toBe(
      `warning: ${file} holds an admin key and is readable by others (mode 644): run chmod 600 ${file}`,
    );
  });
});
