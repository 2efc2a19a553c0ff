// A test's direct line to a coordinator it started: JSON calls with a key (as a miner or client
// would make them) and keys made the way an operator makes them, through `pithead keys create`;
// and the coordinator itself for a test file that needs one of its own.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCoordinator, startCoordinator } from "@pithead/coordinator";
import { afterAll, beforeAll } from "vitest";
import { pithead } from "./run-pithead.ts";

export interface CoordinatorCalls {
  /** GET (no body) or POST (a JSON body) `path` with `key`; the answer's JSON. */
  call(path: string, key: string, body?: unknown): Promise<Record<string, unknown>>;
  /** `pithead keys create <args>` against the coordinator, with the admin key in `data`; the new key. */
  keyOf(...args: string[]): Promise<string>;
}

/** `url` is read at each call: the coordinator is usually started in beforeAll. */
export function coordinatorCalls(url: () => string, data: string): CoordinatorCalls {
  return {
    async call(path, key, body) {
      const response = await fetch(url() + path, {
        method: body === undefined ? "GET" : "POST",
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await response.json()) as Record<string, unknown>;
    },
    async keyOf(...args) {
      const ran = await pithead(["keys", "create", ...args, "--url", url(), "--data", data, "--json"]);
      return String((JSON.parse(ran.stdout) as { key: string }).key);
    },
  };
}

export interface FileCoordinator extends CoordinatorCalls {
  /** The test file's temp directory (removed after its tests) and the coordinator's --data in it. */
  dir: string;
  data: string;
  url(): string;
}

/**
 * A coordinator on SQLite for the calling test file: started before its tests (no sweeper, so
 * nothing moves unless a test moves it), stopped and its temp directory removed after them.
 */
export function fileCoordinator(prefix: string): FileCoordinator {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const data = join(dir, "coordinator");
  let running: RunningCoordinator | undefined;
  const url = () => {
    if (!running) throw new Error("the coordinator starts in beforeAll");
    return running.url;
  };
  beforeAll(async () => {
    running = await startCoordinator({ flags: { port: "0", dataDir: data }, env: {}, logger: false, sweeper: false });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, data, url, ...coordinatorCalls(url, data) };
}
