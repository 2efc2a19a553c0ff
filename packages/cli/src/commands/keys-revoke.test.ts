// `pithead keys revoke` with the key itself pasted where its id belongs revokes that key and sends
// only the id: the secret used to travel in the URL (and so into the server's request log), and the
// command failed on a pattern error. An unknown id is named in the error.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileCoordinator } from "../../test/support/coordinator-calls.ts";
import { pithead } from "../../test/support/run-pithead.ts";
import { keyIdOf } from "./keys.ts";

const { data, url } = fileCoordinator("pithead-cli-keys-revoke-");

const admin = () => ["--url", url(), "--data", data];

describe("keys revoke", () => {
  it("takes the key itself and revokes it by its id", async () => {
    const created = await pithead(["keys", "create", "--role", "client", ...admin(), "--json"]);
    const { id, key } = JSON.parse(created.stdout) as { id: string; key: string };
    const revoked = await pithead(["keys", "revoke", key, ...admin()]);
    expect(revoked.stderr).toBe("");
    expect(revoked.stdout.trim()).toBe(`revoked ${id} (client)`);
    const refused = await pithead(["jobs", "list", "--url", url()], { env: { PITHEAD_KEY: key } });
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
