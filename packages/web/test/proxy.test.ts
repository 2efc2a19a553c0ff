import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHttpServer, defineErrors } from "@pithead/http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeErrorBody } from "../app/api/http.ts";
import { type RunningDashboard, startDashboard } from "../src/index.ts";
import { closedPort, type EchoUpstream, startEchoUpstream } from "./support/upstream.ts";

let upstream: EchoUpstream;
let dashboard: RunningDashboard;
let deadPort: number;
const dist = mkdtempSync(join(tmpdir(), "pithead-web-dist-"));

beforeAll(async () => {
  upstream = await startEchoUpstream();
  deadPort = await closedPort();
  dashboard = await startDashboard({
    distDir: dist,
    port: 0,
    logger: false,
    upstreams: { coordinator: upstream.url, agent: `http://127.0.0.1:${deadPort}` },
  });
});

afterAll(async () => {
  await dashboard?.close();
  await upstream?.close();
  rmSync(dist, { recursive: true, force: true });
});

describe("the service proxy", () => {
  it("forwards method, path and query byte for byte, the body and the service's auth header", async () => {
    const response = await fetch(`${dashboard.url}/svc/coordinator/v1/jobs/a%2Fb?state=QUEUED&x=1&x=2&q=%20`, {
      method: "POST",
      headers: { authorization: "Bearer ph_client_k", "content-type": "application/json", cookie: "session=elsewhere" },
      body: JSON.stringify({ workload: "llm_gen" }),
    });
    expect(response.status).toBe(200);
    const seen = upstream.received.at(-1);
    expect(seen?.method).toBe("POST");
    expect(seen?.url).toBe("/v1/jobs/a%2Fb?state=QUEUED&x=1&x=2&q=%20");
    expect(seen?.body).toBe('{"workload":"llm_gen"}');
    expect(seen?.headers.authorization).toBe("Bearer ph_client_k");
    expect(seen?.headers["content-type"]).toBe("application/json");
    // Cookies of other localhost apps never reach a service; the service learns where the call came from.
    expect(seen?.headers.cookie).toBeUndefined();
    expect(seen?.headers["x-forwarded-prefix"]).toBe("/svc/coordinator");
    expect(seen?.headers.host).toBe(new URL(upstream.url).host);
  });

  it("passes the service's status and headers back, without its cookies", async () => {
    const response = await fetch(`${dashboard.url}/svc/coordinator/teapot`);
    expect(response.status).toBe(418);
    expect(response.headers.get("x-upstream")).toBe("echo");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await response.json()).toMatchObject({ method: "GET", url: "/teapot" });
  });

  it("maps the bare service path to the service's root", async () => {
    await fetch(`${dashboard.url}/svc/coordinator?probe=1`);
    expect(upstream.received.at(-1)?.url).toBe("/?probe=1");
  });

  it("streams server-sent events as they are sent, and closes the service's stream when the browser leaves", async () => {
    const abort = new AbortController();
    const response = await fetch(`${dashboard.url}/svc/coordinator/events`, { signal: abort.signal });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const readUntil = async (needle: string) => {
      let text = "";
      for (let i = 0; i < 50 && !text.includes(needle); i++) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      return text;
    };
    expect(await readUntil("event: ready")).toContain("event: ready");
    // The service is still holding the stream open: this event must arrive on its own.
    upstream.streams.at(-1)?.write('event: state\ndata: {"state":"COMPLETED"}\n\n');
    expect(await readUntil("COMPLETED")).toContain('data: {"state":"COMPLETED"}');
    const closed = upstream.streamClosed();
    abort.abort();
    await closed;
  });

  it("answers 502 naming the service and its address when the service is down", async () => {
    const response = await fetch(`${dashboard.url}/svc/agent/health`);
    expect(response.status).toBe(502);
    const body = (await response.json()) as {
      error: { code: string; message: string; details: { service: string; url: string } };
    };
    expect(body.error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(body.error.message).toContain(`127.0.0.1:${deadPort}`);
    expect(body.error.details.service).toBe("agent");
  });

  it("refuses services it does not know or was not given", async () => {
    const unknown = await fetch(`${dashboard.url}/svc/mainframe/x`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("UNKNOWN_SERVICE");
    const missing = await fetch(`${dashboard.url}/svc/fleet/miners`);
    expect(missing.status).toBe(404);
    const body = (await missing.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("SERVICE_NOT_CONFIGURED");
    expect(body.error.message).toContain("--fleet URL");
  });
});

// Before, a body over the service's limit came back as "The coordinator (…) is not answering: EPIPE"
// (502): the service answers 413 at once and closes without reading the body the proxy was still
// streaming to it, and the failed write hid the answer.
describe("a service that answers before it has read the whole body", () => {
  it("passes the coordinator's 413 through to the page", async () => {
    const service = await createHttpServer({
      name: "limited",
      version: "0",
      errors: defineErrors({}),
      logger: false,
      rateLimit: false,
      metrics: false,
    });
    service.post("/v1/jobs", { bodyLimit: 256 * 1024 }, async () => ({ ok: true }));
    const address = await service.listen({ port: 0, host: "127.0.0.1" });
    const own = await startDashboard({ distDir: dist, port: 0, logger: false, upstreams: { coordinator: address } });
    try {
      for (const size of [300 * 1024, 4 * 1024 * 1024]) {
        const response = await fetch(`${own.url}/svc/coordinator/v1/jobs`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ workload: "llm_gen", params: { prompt: "x".repeat(size) } }),
        });
        const body = (await response.json()) as { error: { code: string; message: string; details: unknown } };
        expect(response.status, JSON.stringify(body)).toBe(413);
        expect(body.error.code).toBe("PAYLOAD_TOO_LARGE");
        expect(body.error.details).toEqual({ limit_bytes: 256 * 1024 });
        // What the page shows for it.
        expect(describeErrorBody(413, body, "").message).toBe(
          "The request body is too large (the limit is 262,144 bytes)",
        );
      }
      // A body within the limit still goes through.
      const small = await fetch(`${own.url}/svc/coordinator/v1/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ workload: "llm_gen" }),
      });
      expect(small.status).toBe(200);
    } finally {
      await own.close();
      await service.close();
    }
  });
});

describe("closing the dashboard", () => {
  it("ends the event streams it is proxying instead of waiting for the service to end them", async () => {
    const own = await startDashboard({
      distDir: dist,
      port: 0,
      logger: false,
      upstreams: { coordinator: upstream.url },
    });
    const response = await fetch(`${own.url}/svc/coordinator/events`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const closed = upstream.streamClosed();
    await own.close();
    // The stream ended for the browser (cleanly or cut) and for the service, and close() did not hang on it.
    let ended = false;
    for (let i = 0; i < 10 && !ended; i++)
      ended = await reader.read().then(
        ({ done }) => done,
        () => true,
      );
    expect(ended).toBe(true);
    await closed;
  });
});
