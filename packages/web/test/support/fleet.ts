// A real fleet controller with a simulated fleet, and the signed calls the dashboard makes to it
// (the same paths and signatures as app/api/fleet.ts, from Node, without the proxy in between).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FleetService, loadFleetConfig, startFleetService } from "@pithead/fleet";
import { signFleetRequest } from "@pithead/fleet/sign";
import type { FetchPage } from "../../app/pages/fleet/timeline-pager.ts";

export const OPERATOR = "op-test";
export const SECRET = "a-test-secret-of-enough-length";

export interface TestFleet {
  service: FleetService;
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** `/ledger/<list>` one page at a time, as the dashboard pages it (`query`: more filters, e.g. `action=RUN`). */
  pages<Body>(list: string, limit: number, query?: string): FetchPage<Body>;
  /** How many requests `pages` made, by list. */
  requests: Map<string, number>;
  cycle(): Promise<{ cycleSeq: number }>;
  close(): Promise<void>;
}

export async function startTestFleet(env: Record<string, string> = {}): Promise<TestFleet> {
  const data = mkdtempSync(join(tmpdir(), "pithead-web-fleet-"));
  const config = loadFleetConfig({
    DATA_DIR: data,
    API_SECRET: SECRET,
    OPERATOR_ID: OPERATOR,
    LOOP_ENABLED: "false",
    PORT: "0",
    ...env,
  });
  const service = await startFleetService(config, { logger: false, loop: false });
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers = await signFleetRequest({ operatorId: OPERATOR, secret: SECRET, method, path, body: text });
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: { ...headers, ...(text === undefined ? {} : { "content-type": "application/json" }) },
      body: text,
    });
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const requests = new Map<string, number>();
  return {
    service,
    call,
    requests,
    pages:
      <Body>(list: string, limit: number, query?: string): FetchPage<Body> =>
      (before, after) => {
        requests.set(list, (requests.get(list) ?? 0) + 1);
        const more = `${before === undefined ? "" : `&before=${before}`}${after === undefined ? "" : `&after=${after}`}`;
        return call("GET", `/operators/${OPERATOR}/ledger/${list}?limit=${limit}${more}${query ? `&${query}` : ""}`);
      },
    cycle: () => call("POST", `/operators/${OPERATOR}/loop/run-once?details=false`),
    async close() {
      await service.close();
      rmSync(data, { recursive: true, force: true });
    },
  };
}
