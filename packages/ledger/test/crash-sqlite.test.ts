// The crash test of crash.test.ts against SQLite (its own file so the two run side by side).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { killRepeatedly } from "./crash-helpers.ts";
import { tempDir } from "./helpers.ts";

describe("crash safety", () => {
  it("SQLite: nothing acknowledged is lost over 10 SIGKILLs, and the chain verifies", async () => {
    using dir = tempDir();
    const path = join(dir.path, "ledger.db");
    expect(await killRepeatedly({ store: "sqlite", path }, path, "sqlite", 10)).toBeGreaterThan(10);
  });
});
