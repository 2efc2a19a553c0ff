// A dashboard in front of services that answer pages, not only JSON: a coordinator stand-in with its
// OpenAPI UI (@fastify/swagger-ui at /docs, as every Pithead service has) and an agent stand-in whose
// /ui is a console like the agent's (a key field and form, under the frame-ancestors list the agent
// sent before it was narrowed to 'self': a service behind the proxy may be an older one).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHttpServer, defineErrors, type HttpServer } from "@pithead/http";
import { type RunningDashboard, startDashboard } from "../../src/index.ts";

export const CONSOLE_TITLE = "Agent test console (stand-in)";

/** A page that runs a script: answered without a Content-Type, which a browser may sniff as HTML. */
const ACTIVE_BODY = "<!doctype html><title>from the service</title><script>document.title = 'ran'</script>";

export interface PagesSetup {
  dist: string;
  coordinatorUrl: string;
  agentUrl: string;
  dashboard: RunningDashboard;
  close(): Promise<void>;
}

async function pagedService(
  name: string,
  routes: (app: HttpServer) => void,
): Promise<{ app: HttpServer; url: string }> {
  const app = await createHttpServer({
    name,
    version: "1.0.0",
    errors: defineErrors({}),
    logger: false,
    rateLimit: false,
    metrics: false,
    docs: { title: name, description: "a service with an OpenAPI UI" },
  });
  routes(app);
  return { app, url: await app.listen({ port: 0, host: "127.0.0.1" }) };
}

const hidden = { config: { public: true }, schema: { hide: true } };

function coordinatorRoutes(app: HttpServer): void {
  app.get("/v1/thing", { config: { public: true } }, async () => ({ id: "t-1", state: "QUEUED" }));
  app.get("/untyped", hidden, async (_request, reply) => {
    // Written by hand: Fastify would add a Content-Type.
    reply.hijack();
    reply.raw.writeHead(200, { "content-length": Buffer.byteLength(ACTIVE_BODY) });
    reply.raw.end(ACTIVE_BODY);
  });
  app.get("/image.svg", hidden, async (_request, reply) =>
    reply
      .type("image/svg+xml")
      .send('<svg xmlns="http://www.w3.org/2000/svg"><script>document.title = "ran"</script></svg>'),
  );
}

function agentRoutes(app: HttpServer): void {
  app.get("/ui", hidden, async (_request, reply) =>
    reply
      .type("text/html; charset=utf-8")
      .header(
        "content-security-policy",
        "default-src 'self'; script-src 'self'; frame-ancestors 'self' http://localhost:* http://127.0.0.1:*",
      )
      .send(
        `<!doctype html><title>${CONSOLE_TITLE}</title><form id="key-form"><input id="api-key" /><button>Use key</button></form>`,
      ),
  );
  app.get("/ui/app.js", hidden, async (_request, reply) => reply.type("text/javascript").send("void 0;"));
}

/** The services and a dashboard proxying them; `prepareDist` writes the build it serves. */
export async function startPagesSetup(prepareDist: (dist: string) => void = () => {}): Promise<PagesSetup> {
  const dist = mkdtempSync(join(tmpdir(), "pithead-web-pages-"));
  prepareDist(dist);
  const coordinator = await pagedService("coordinator-stand-in", coordinatorRoutes);
  const agent = await pagedService("agent-stand-in", agentRoutes);
  const dashboard = await startDashboard({
    distDir: dist,
    port: 0,
    logger: false,
    upstreams: { coordinator: coordinator.url, agent: agent.url },
  });
  return {
    dist,
    coordinatorUrl: coordinator.url,
    agentUrl: agent.url,
    dashboard,
    async close() {
      await dashboard.close();
      await coordinator.app.close();
      await agent.app.close();
      rmSync(dist, { recursive: true, force: true });
    },
  };
}
