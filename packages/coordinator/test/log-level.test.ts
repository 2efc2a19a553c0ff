// A program that embeds the coordinator without passing a logger (a test harness, a script) gets the
// level its configuration names: PITHEAD_LOG_LEVEL=silent keeps a CI run's output free of request
// lines, where before every request was logged at info whatever the setting said.
import { describe, expect, it } from "vitest";
import { startCoordinator } from "../src/start.ts";
import { tempDir } from "./support/temp-dir.ts";

describe("startCoordinator without a logger", () => {
  it.each([
    ["PITHEAD_LOG_LEVEL", { PITHEAD_LOG_LEVEL: "silent" }, {}, "silent"],
    ["--log-level", {}, { logLevel: "error" }, "error"],
  ])("logs at the level %s names", async (_source, env, flags, level) => {
    using dir = tempDir();
    const running = await startCoordinator({
      flags: { dataDir: dir.path, port: "0", ...flags },
      env,
      sweeper: false,
    });
    try {
      expect(running.app.log.level).toBe(level);
    } finally {
      await running.close();
    }
  });
});
