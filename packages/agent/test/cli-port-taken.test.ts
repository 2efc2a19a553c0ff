// `pithead agent start` on a port another process holds says so at once, before the model loads
// (seconds to minutes for a real GGUF), in words naming the port and what to do.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_KEY } from "./support/agent-harness.ts";

const run = promisify(execFile);
const CLI = new URL("../../cli/bin/pithead.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "pithead-agent-port-"));
let taken: Server;
let port = 0;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
  port = (taken.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((done) => taken.close(() => done()));
  rmSync(dir, { recursive: true, force: true });
});

describe("pithead agent start on a port in use", () => {
  it("fails before loading the model, naming the port and PORT/--port", async () => {
    const failed = await run(process.execPath, [CLI, "agent", "start", "--host", "127.0.0.1", "--port", String(port)], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        API_KEY: TEST_KEY,
        // Not there: had the model been loaded first, the error would be about this file.
        LOCAL_MODEL_PATH: join(dir, "missing.gguf"),
        DATABASE_URL: `sqlite:///${join(dir, "agent.db")}`,
      },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    const errors = (failed as { stderr: string }).stderr.split("\n").filter((line) => line.startsWith("error: "));
    expect(errors).toEqual([
      `error: port ${port} on 127.0.0.1 is already in use by another process: stop what uses it, or set PORT (pithead agent start --port) to another port`,
    ]);
  });
});
