// Idle connections must not take a process down (QA: 20 000 sockets opened and left silent held a
// `pithead up` process at its open-file limit). A connection that sends nothing is closed after the
// headers timeout, an idle keep-alive after the keep-alive timeout, and past a server's cap new
// connections are refused while the ones open are served; requests in progress are never cut.
// Timeouts here are a few hundred milliseconds; the bounds on "closed eventually" are the tests' own.
import { get as httpGet } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ASSUMED_OPEN_FILE_LIMIT,
  CONNECTION_SHARES,
  defaultMaxConnections,
  RESERVED_OPEN_FILES,
} from "../src/connection-cap.ts";
import { createHttpServer, defineErrors, type HttpServer, type HttpServerOptions } from "../src/index.ts";
import { openFileLimit, parseOpenFileLimit } from "../src/open-file-limit.ts";
import { logSink } from "./log-sink.ts";

const errors = defineErrors({});
/** Longer than every timeout the servers below are given. */
const QUIET_MS = 1_200;

let app: HttpServer | undefined;
let log = logSink();
const sockets: Socket[] = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const socket of sockets.splice(0)) socket.destroy();
  await app?.close();
  app = undefined;
});

type Limits = Pick<
  HttpServerOptions,
  "headersTimeoutMs" | "keepAliveTimeoutMs" | "requestTimeoutMs" | "maxConnections"
>;

async function serve(limits: Limits): Promise<number> {
  log = logSink();
  const server = await createHttpServer({ name: "limits-demo", version: "1", errors, logger: log, ...limits });
  app = server;
  server.get("/quick", async () => ({ quick: true }));
  // A long-poll (the coordinator's claim with wait_s), or an LLM taking minutes: silent both ways.
  server.get("/long-poll", async () => {
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    return { waited: true };
  });
  // An event stream that says nothing for longer than every timeout between two events.
  server.get("/events", (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { "content-type": "text/event-stream" });
    reply.raw.write("event: first\ndata: 1\n\n");
    setTimeout(() => reply.raw.end("event: second\ndata: 2\n\n"), QUIET_MS);
  });
  await server.listen({ port: 0, host: "127.0.0.1" });
  return (server.server.address() as AddressInfo).port;
}

/** A raw connection: what it received, and whether (and when) the server closed it. */
function open(port: number) {
  const socket = connect(port, "127.0.0.1");
  sockets.push(socket);
  socket.on("error", () => {});
  let received = "";
  socket.on("data", (chunk) => {
    received += chunk;
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const connected = new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return {
    socket,
    connected,
    closed,
    received: () => received,
    /** Sends a GET on this connection (kept alive) and resolves with the answer's status line and body. */
    async get(path: string): Promise<{ status: string; body: string }> {
      const from = received.length;
      socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`);
      for (;;) {
        const answer = received.slice(from);
        const end = answer.indexOf("\r\n\r\n");
        const length = /content-length: (\d+)/i.exec(answer);
        if (end >= 0 && length && answer.length >= end + 4 + Number(length[1])) {
          return { status: answer.slice(0, answer.indexOf("\r\n")), body: answer.slice(end + 4) };
        }
        if (socket.destroyed) throw new Error(`connection closed before the answer to ${path}: ${answer}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

const refusedLines = () =>
  log.lines.map((line) => JSON.parse(line)).filter((line) => String(line.msg).startsWith("connection refused"));

describe("connections that sit idle", () => {
  it("closes a connection that sends nothing within the headers timeout, without an answer", async () => {
    const port = await serve({ headersTimeoutMs: 200 });
    const silent = open(port);
    await silent.closed;
    expect(silent.received()).toBe("");
  });

  it("answers a request whose headers stop half-way with 408 when the headers timeout passes", async () => {
    const port = await serve({ headersTimeoutMs: 200 });
    const slow = open(port);
    slow.socket.write("GET /quick HTTP/1.1\r\nhost: x\r\n");
    await slow.closed;
    expect(slow.received().split("\r\n")[0]).toBe("HTTP/1.1 408 Request Timeout");
    expect(slow.received()).toContain('"code":"CLIENT_TIMEOUT"');
  });

  it("closes a keep-alive connection left idle after its answer once the keep-alive timeout passes", async () => {
    const port = await serve({ keepAliveTimeoutMs: 200 });
    const client = open(port);
    expect(await client.get("/quick")).toEqual({ status: "HTTP/1.1 200 OK", body: '{"quick":true}' });
    await client.closed;
  });

  it("never cuts a request in progress: a long-poll or a slow answer, an event stream quiet between events", async () => {
    const port = await serve({ headersTimeoutMs: 200, keepAliveTimeoutMs: 200, requestTimeoutMs: 200 });
    // On a kept-alive connection: a quick request first, so the keep-alive timer has run once.
    const client = open(port);
    expect((await client.get("/quick")).status).toBe("HTTP/1.1 200 OK");
    expect(await client.get("/long-poll")).toEqual({ status: "HTTP/1.1 200 OK", body: '{"waited":true}' });
    const events = await new Promise<string>((resolve, reject) => {
      httpGet({ host: "127.0.0.1", port, path: "/events", agent: false }, (response) => {
        let body = "";
        response.on("data", (chunk) => {
          body += chunk;
        });
        response.on("end", () => resolve(body));
        response.on("error", reject);
      }).on("error", reject);
    });
    expect(events).toBe("event: first\ndata: 1\n\nevent: second\ndata: 2\n\n");
  });
});

describe("a cap on open connections", () => {
  it("refuses connections past the cap, serves those already open, logs the refusals once a minute", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2025-01-01T00:00:00Z"));
    const port = await serve({ maxConnections: 2 });
    const first = open(port);
    const second = open(port);
    expect((await first.get("/quick")).status).toBe("HTTP/1.1 200 OK");
    expect((await second.get("/quick")).status).toBe("HTTP/1.1 200 OK");

    for (let i = 0; i < 3; i++) {
      const refused = open(port);
      await refused.connected;
      refused.socket.write("GET /quick HTTP/1.1\r\nhost: x\r\n\r\n");
      await refused.closed;
      expect(refused.received()).toBe("");
    }
    // The clients already connected are served as before.
    expect(await first.get("/quick")).toEqual({ status: "HTTP/1.1 200 OK", body: '{"quick":true}' });
    expect(refusedLines()).toHaveLength(1);
    expect(refusedLines()[0]).toMatchObject({ level: 40, max_connections: 2, remote_address: "127.0.0.1" });

    vi.setSystemTime(new Date("2025-01-01T00:01:00Z"));
    await open(port).closed;
    expect(refusedLines()).toHaveLength(2);
    expect(refusedLines()[1]).toMatchObject({ suppressed: 2 });
    expect(refusedLines()[1].msg).toContain("2 more refused since the last line");

    // A place freed is taken by the next client.
    second.socket.destroy();
    await vi.waitFor(
      async () => {
        const next = open(port);
        expect((await next.get("/quick")).status).toBe("HTTP/1.1 200 OK");
      },
      { timeout: 5_000, interval: 50 },
    );
  });

  it("by default leaves every server a fifth of the open-file limit less 512 files for the rest of the process", () => {
    for (const limit of [1024, 4096, 20_000, 65_536, 1_048_576]) {
      const cap = defaultMaxConnections(limit);
      // Four servers (the dashboard's proxied connections counting twice) and the reserve fit.
      expect(CONNECTION_SHARES * cap + RESERVED_OPEN_FILES).toBeLessThanOrEqual(limit);
      expect(cap).toBeGreaterThan(limit / 6 - RESERVED_OPEN_FILES);
    }
    expect(defaultMaxConnections(20_000)).toBe(3897);
    expect(defaultMaxConnections(undefined)).toBe(defaultMaxConnections(ASSUMED_OPEN_FILE_LIMIT));
    // A limit too small to share still lets the operator in.
    expect(defaultMaxConnections(256)).toBe(64);
  });

  it("reads the open-file limit the process runs with", () => {
    const limits = [
      "Limit                     Soft Limit           Hard Limit           Units     ",
      "Max processes             unlimited            unlimited            processes ",
      "Max open files            20000                20000                files     ",
    ].join("\n");
    expect(parseOpenFileLimit(limits)).toBe(20_000);
    expect(parseOpenFileLimit("Max open files            unlimited            unlimited            files")).toBe(
      undefined,
    );
    if (process.platform === "linux") expect(openFileLimit()).toBeGreaterThan(0);
  });
});
