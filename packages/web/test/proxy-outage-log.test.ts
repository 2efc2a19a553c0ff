// A service that is down is one warning in the dashboard's log, not one per request: a dashboard
// open in front of it asks several times a second, and `pithead web` prints its warnings on the
// terminal. Before: a JSON line per failed request, a screenful a minute. The end of the outage is
// said, and a new outage is said again.

import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startDashboard } from "../src/index.ts";
import { closedPort } from "./support/upstream.ts";

const dist = mkdtempSync(join(tmpdir(), "pithead-web-outage-"));
afterAll(() => rmSync(dist, { recursive: true, force: true }));

function serve(port: number): Promise<Server> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end('{"status":"ok"}');
  });
  return new Promise((done) => server.listen(port, "127.0.0.1", () => done(server)));
}

describe("the dashboard's log while a service is down", () => {
  it("warns once per outage, says when the service answers again, and warns again at the next outage", async () => {
    const lines: { msg: string; service?: string; failedRequests?: number }[] = [];
    const port = await closedPort();
    const dashboard = await startDashboard({
      distDir: dist,
      port: 0,
      logger: { level: "warn", stream: { write: (line: string) => void lines.push(JSON.parse(line)) } },
      upstreams: { coordinator: `http://127.0.0.1:${port}` },
    });
    try {
      const ask = async () => (await fetch(`${dashboard.url}/svc/coordinator/v1/admin/stats`)).status;
      const said = () => lines.map((line) => line.msg);
      for (let i = 0; i < 5; i++) expect(await ask()).toBe(502);
      expect(said()).toEqual(["service unreachable (said once, until it answers again)"]);
      expect(lines[0]?.service).toBe("coordinator");

      const service = await serve(port);
      expect(await ask()).toBe(200);
      expect(await ask()).toBe(200);
      await new Promise<void>((done) => service.close(() => done()));
      expect(said()).toEqual(["service unreachable (said once, until it answers again)", "service answering again"]);
      expect(lines[1]).toMatchObject({ service: "coordinator", failedRequests: 5 });

      for (let i = 0; i < 3; i++) expect(await ask()).toBe(502);
      expect(said()).toHaveLength(3);
      expect(said()[2]).toBe("service unreachable (said once, until it answers again)");
    } finally {
      await dashboard.close();
    }
  });
});
