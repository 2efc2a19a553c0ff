// `pithead keys revoke` with the key itself pasted where its id belongs revokes that key and sends
// only the id: the secret used to travel in the URL (and so into the server's request log), and the
// command failed on a pattern error. An unknown id is named in the error.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCoordinator, startCoordinator } from "@pithead/coordinator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pithead } from "../../test/support/run-pithead.ts";
import { keyIdOf } from "./keys.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-cli-keys-revoke-"));
const data = join(dir, "coordinator");
let coordinator: RunningCoordinator;

beforeAll(async () => {
  coordinator = await startCoordinator({ flags: { port: "0", dataDir: data }, env: {}, logger: false, sweeper: false });
});
afterAll(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

const admin = () => ["--url", coordinator.url, "--data", data];

describe("keys revoke", () => {
  it("takes the key itself and revokes it by its id", async () => {
    const created = await pithead(["keys", "create", "--role", "client", ...admin(), "--json"]);
    const { id, key } = JSON.parse(created.stdout) as { id: string; key: string };
    const revoked = await pithead(["keys", "revoke", key, ...admin()]);
    expect(revoked.stderr).toBe("");
    expect(revoked.stdout.trim()).toBe(`revoked ${id} (client)`);
    const refused = await pithead(["jobs", "list", "--url", coordinator.url], { env: { PITHEAD_KEY: key } });
    expect(refused.stderr).toContain("[UNAUTHORIZED]");
  });

  it("sends only the id: the secret part never leaves the command", () => {
    const key = readFileSync(join(data, "admin.key"), "utf8").trim();
    expect(keyIdOf(key)).toBe(key.split("_")[2]);
    expect(keyIdOf("  0123456789ab ")).toBe("0123456789ab");
  });

  it("an id the coordinator does not know is named, with where the ids are", async () => {
    const ran = await pithead(["keys", "revoke", "0123456789ab", ...admin()]);
    expect(ran.code).toBe(1);
    expect(ran.stderr.trim()).toBe(
      "error: this coordinator has no key 0123456789ab [KEY_NOT_FOUND]: `pithead keys list` shows the ids",
    );
  });
});
