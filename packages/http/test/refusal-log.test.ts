// During a database outage every request is answered 503 DATABASE_UNAVAILABLE, and while the disk is
// full every write 507 STORAGE_FULL; the log gets the first, then at most one line a minute per
// server and fact, counting the ones left out since.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHttpServer, defineErrors, type HttpServer } from "../src/index.ts";
import { logSink } from "./log-sink.ts";

const errors = defineErrors({});
let app: HttpServer | undefined;
let logLines: string[] = [];

async function build(): Promise<HttpServer> {
  const { stream, lines } = logSink();
  logLines = lines;
  const server = await createHttpServer({
    name: "outage-demo",
    version: "1.0.0",
    errors,
    logger: { level: "info", stream },
    rateLimit: false,
  });
  server.post("/write", async () => {
    throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  });
  server.get("/read", async () => {
    // What pg passes on when the database refuses connections.
    throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
  });
  await server.ready();
  return server;
}

const unavailableLines = () =>
  logLines.map((line) => JSON.parse(line)).filter((line) => String(line.msg).startsWith("database unavailable"));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2025-01-01T00:00:00Z"));
});
afterEach(async () => {
  vi.useRealTimers();
  await app?.close();
  app = undefined;
});

describe("requests answered 503 because the database is unreachable", () => {
  it("log the first, then one line a minute with how many were left out", async () => {
    app = await build();
    const server = app;
    const hit = async () => {
      const reply = await server.inject({ method: "GET", url: "/read" });
      expect(reply.statusCode).toBe(503);
      expect(reply.headers["retry-after"]).toBe("5");
      expect(reply.json().error.code).toBe("DATABASE_UNAVAILABLE");
    };
    for (let i = 0; i < 50; i++) await hit();
    expect(unavailableLines()).toHaveLength(1);
    expect(unavailableLines()[0]).toMatchObject({ level: 40, err: { code: "ECONNREFUSED" } });
    expect(unavailableLines()[0].suppressed).toBeUndefined();

    vi.setSystemTime(new Date("2025-01-01T00:00:59Z"));
    await hit();
    expect(unavailableLines()).toHaveLength(1);

    vi.setSystemTime(new Date("2025-01-01T00:01:00Z"));
    await hit();
    const lines = unavailableLines();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 40, suppressed: 50, err: { code: "ECONNREFUSED" } });
    expect(lines[1].msg).toContain("50 more requests answered 503");
  });

  it("are counted per server", async () => {
    app = await build();
    const first = app;
    const second = await build();
    try {
      await first.inject({ method: "GET", url: "/read" });
      const before = logLines.length;
      await second.inject({ method: "GET", url: "/read" });
      // The second server's first 503 is logged though the first server logged one this minute.
      expect(logLines.slice(before).some((line) => line.includes("database unavailable"))).toBe(true);
    } finally {
      await second.close();
    }
  });
});

describe("writes answered 507 because the disk is full", () => {
  it("log the first, then one line a minute with how many were left out, apart from database outages", async () => {
    app = await build();
    const server = app;
    const fullLines = () =>
      logLines.map((line) => JSON.parse(line)).filter((line) => String(line.msg).startsWith("the disk is full"));
    for (let i = 0; i < 40; i++) {
      const reply = await server.inject({ method: "POST", url: "/write" });
      expect(reply.statusCode).toBe(507);
      expect(reply.json().error.code).toBe("STORAGE_FULL");
    }
    expect(fullLines()).toHaveLength(1);
    expect(fullLines()[0]).toMatchObject({ level: 50, err: { code: "ENOSPC" } });
    // A database outage meanwhile is its own fact, logged at once.
    await server.inject({ method: "GET", url: "/read" });
    expect(unavailableLines()).toHaveLength(1);

    vi.setSystemTime(new Date("2025-01-01T00:01:00Z"));
    await server.inject({ method: "POST", url: "/write" });
    expect(fullLines()).toHaveLength(2);
    expect(fullLines()[1]).toMatchObject({ level: 50, suppressed: 39 });
    expect(fullLines()[1].msg).toContain("39 more requests answered 507");
  });
});
