// A failure names its service once. Before, a service that was down read "Coordinator: The
// coordinator (http://…) is not answering: ECONNREFUSED", the fleet's "Fleet controller: The fleet
// (…)", and the pages that name the service themselves added a third ("The fleet controller's
// /health did not answer: Fleet controller: The fleet (…) is not answering").

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, callJson, errorDetail, errorMessage, type ServiceName } from "../app/api/http.ts";
import { type RunningDashboard, startDashboard } from "../src/index.ts";
import { closedPort } from "./support/upstream.ts";

const dist = mkdtempSync(join(tmpdir(), "pithead-web-dist-"));
let dashboard: RunningDashboard;
let dead: string;

beforeAll(async () => {
  dead = `http://127.0.0.1:${await closedPort()}`;
  // A coordinator and a fleet controller that are down, and no agent at all.
  dashboard = await startDashboard({
    distDir: dist,
    port: 0,
    logger: false,
    upstreams: { coordinator: dead, fleet: dead },
  });
});

afterAll(async () => {
  await dashboard?.close();
  rmSync(dist, { recursive: true, force: true });
});

/** The sentence the dashboard shows for a call through its proxy to `service`. */
async function shownFor(service: ServiceName): Promise<string> {
  const failure = await callJson(service, `${dashboard.url}/svc/${service}/health`).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(ApiError);
  return errorMessage(failure);
}

const times = (text: string, word: RegExp) => text.match(new RegExp(word.source, "gi"))?.length ?? 0;

describe("an error's service", () => {
  it("is named once when the dashboard's proxy finds it down, by the name the dashboard gives it", async () => {
    const coordinator = await shownFor("coordinator");
    expect(coordinator).toBe(`The coordinator (${dead}) is not answering: ECONNREFUSED`);
    const fleet = await shownFor("fleet");
    expect(fleet).toBe(`The fleet controller (${dead}) is not answering: ECONNREFUSED`);
    expect(times(coordinator, /coordinator/)).toBe(1);
    expect(times(fleet, /fleet/)).toBe(1);
  });

  it("is named once when the dashboard was started without it", async () => {
    const agent = await shownFor("agent");
    expect(agent).toBe("This dashboard was started without the agent API: pass its URL (--agent URL)");
  });

  it("is put in front of a service's own message, which does not name it", () => {
    const own = new ApiError("coordinator", 404, "JOB_NOT_FOUND", "No such job");
    expect(errorMessage(own)).toBe("Coordinator: No such job");
    // A sentence that names the service itself takes the message alone.
    expect(errorDetail(own)).toBe("No such job");
    expect(errorMessage(new ApiError("agent", 422, "HTTP_422", "Field required (body.cid)"))).toBe(
      "Agent API: Field required (body.cid)",
    );
  });
});
