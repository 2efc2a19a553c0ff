// A test's direct line to a coordinator it started: JSON calls with a key (as a miner or client
// would make them) and keys made the way an operator makes them, through `pithead keys create`.
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
