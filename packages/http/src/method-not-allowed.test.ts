import { afterEach, describe, expect, it } from "vitest";
import { defineErrors } from "./errors.ts";
import { generateApiKey, hashSecret } from "./secrets.ts";
import { createHttpServer, type HttpServer } from "./server.ts";

const errors = defineErrors({});
const client = generateApiKey("client");
let app: HttpServer | undefined;

async function build(options: { preflight?: boolean } = {}): Promise<HttpServer> {
  const server = await createHttpServer({
    name: "demo",
    version: "1.0.0",
    errors,
    logger: false,
    auth: {
      resolve: async (token) => (hashSecret(token) === client.hash ? { keyId: client.id, role: "client" } : undefined),
    },
  });
  server.get("/things", async () => ({ things: [] }));
  server.post("/things", async () => ({ created: true }));
  server.get("/things/:id", async (request, reply) =>
    (request.params as { id: string }).id === "missing" ? reply.callNotFound() : { id: "t1" },
  );
  server.delete("/things/:id", async () => ({ deleted: true }));
  server.post("/things/:id/poke", async () => ({ poked: true }));
  // Wildcards as the dashboard (its pages) and the agent (CORS preflights) register them.
  server.get("/pages/*", async () => "page");
  if (options.preflight !== false) {
    server.options("/*", { config: { public: true } }, async (_request, reply) => reply.code(204).send());
  }
  await server.ready();
  app = server;
  return server;
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe("a known path asked with another method", () => {
  it("is 405 METHOD_NOT_ALLOWED with Allow listing the path's methods, in the envelope", async () => {
    const server = await build();
    const response = await server.inject({
      method: "PUT",
      url: "/things/t1?x=1",
      headers: { authorization: `Bearer ${client.key}` },
    });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe("GET, HEAD, DELETE, OPTIONS");
    expect(response.json()).toEqual({
      error: {
        code: "METHOD_NOT_ALLOWED",
        message: "PUT is not allowed on /things/t1: it answers GET, HEAD, DELETE, OPTIONS",
        details: { method: "PUT", url: "/things/t1", allow: ["GET", "HEAD", "DELETE", "OPTIONS"] },
      },
    });
  });

  it("is 405 for GET on a POST-only path, with or without a key", async () => {
    const server = await build();
    for (const headers of [{}, { authorization: `Bearer ${client.key}` }]) {
      const response = await server.inject({ method: "GET", url: "/things/t1/poke", headers });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe("POST, OPTIONS");
    }
    const head = await server.inject({ method: "HEAD", url: "/things/t1/poke" });
    expect(head.statusCode).toBe(405);
    expect(head.headers.allow).toBe("POST, OPTIONS");
  });

  it("leaves unknown paths 404, even where a wildcard route answers OPTIONS for every path", async () => {
    const server = await build();
    for (const [method, url] of [
      ["GET", "/nope"],
      ["POST", "/things/t1/nope"],
      ["DELETE", "/things"],
      ["POST", "/pages/a"],
    ] as const) {
      const response = await server.inject({ method, url, headers: { authorization: `Bearer ${client.key}` } });
      const expected = method === "DELETE" ? 405 : 404;
      expect(response.statusCode, `${method} ${url}`).toBe(expected);
    }
  });

  it("answers OPTIONS on a served path 204 with Allow, and on an unknown path 404", async () => {
    const server = await build({ preflight: false });
    const options = await server.inject({ method: "OPTIONS", url: "/things" });
    expect(options.statusCode).toBe(204);
    expect(options.headers.allow).toBe("GET, HEAD, POST, OPTIONS");
    expect((await server.inject({ method: "OPTIONS", url: "/nope" })).statusCode).toBe(404);
  });

  it("leaves a route's own not-found a 404 (the method is served; the thing is not there)", async () => {
    const server = await build();
    const response = await server.inject({
      method: "GET",
      url: "/things/missing",
      headers: { authorization: `Bearer ${client.key}` },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe("NOT_FOUND");
  });
});

describe("a request no route serves, with a body", () => {
  it("answers its 405 or 404, not a complaint about JSON no route would read", async () => {
    const server = await build();
    const headers = { authorization: `Bearer ${client.key}`, "content-type": "application/json" };
    const wrongMethod = await server.inject({ method: "PUT", url: "/things/t1", headers, payload: "{not json" });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.json().error.code).toBe("METHOD_NOT_ALLOWED");
    const unknown = await server.inject({ method: "POST", url: "/nowhere", headers, payload: "{not json" });
    expect(unknown.statusCode).toBe(404);
    // A served route still reads its body and says what is wrong with it.
    const served = await server.inject({ method: "POST", url: "/things", headers, payload: "{not json" });
    expect(served.statusCode).toBe(400);
    expect(served.json().error.code).toBe("INVALID_JSON");
  });
});
