// A second `pithead up` on the same --data meets the first one's coordinator lock; the coordinator
// names `coordinator start`'s --db, which `up` does not have, so up says it in its own terms.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCoordinator, startCoordinator } from "@pithead/coordinator";
import { afterAll, describe, expect, it } from "vitest";
import { errorMessage } from "../output.ts";
import { upLockProblem } from "./start-stack.ts";

const dataDir = mkdtempSync(join(tmpdir(), "pithead-up-lock-"));
let first: RunningCoordinator | undefined;
afterAll(async () => {
  await first?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = () =>
  startCoordinator({
    flags: { port: "0", dataDir: join(dataDir, "coordinator") },
    env: {},
    logger: false,
    sweeper: false,
  });

describe("a second pithead up on the same --data", () => {
  it("is told another pithead up holds the coordinator's database, and to use another --data (no --db)", async () => {
    first = await start();
    const refused = await start().then(
      async (second) => {
        await second.close();
        return "started";
      },
      (error: unknown) => errorMessage(error),
    );
    const said = upLockProblem(refused, dataDir);
    expect(said).toBe(
      `${join(dataDir, "coordinator", "coordinator.db")} is in use by another coordinator (pid ${process.pid}), most likely another \`pithead up\` with --data ${dataDir}: stop it (Ctrl-C there), or start this one with another --data`,
    );
    expect(said).not.toContain("--db");
  });
});
