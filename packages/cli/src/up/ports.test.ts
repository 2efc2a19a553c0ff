import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { portProblem } from "./ports.ts";

let blocker: Server | undefined;
afterEach(() => new Promise<void>((done) => (blocker ? blocker.close(() => done()) : done())));

async function takenPort(): Promise<number> {
  blocker = createServer();
  await new Promise<void>((done) => blocker?.listen(0, "127.0.0.1", done));
  return (blocker.address() as { port: number }).port;
}

describe("checking the ports before starting", () => {
  it("names the port, what needs it and the flag to change it", async () => {
    const port = await takenPort();
    const problem = await portProblem("127.0.0.1", [
      { port: 0, what: "the dashboard", flag: "--port" },
      { port, what: "the coordinator", flag: "--coordinator-port" },
    ]);
    expect(problem).toBe(
      `port ${port} on 127.0.0.1 (the coordinator) is already in use: stop what uses it, or pass --coordinator-port <another port>`,
    );
  });

  it("names every port in use, not only the first", async () => {
    const first = await takenPort();
    const firstBlocker = blocker;
    const second = await takenPort();
    try {
      const problem = await portProblem("127.0.0.1", [
        { port: first, what: "the coordinator", flag: "--coordinator-port" },
        { port: 0, what: "the agent API", flag: "--agent-port" },
        { port: second, what: "the dashboard", flag: "--port" },
      ]);
      expect(problem?.split("\n")).toEqual([
        `port ${first} on 127.0.0.1 (the coordinator) is already in use: stop what uses it, or pass --coordinator-port <another port>`,
        `port ${second} on 127.0.0.1 (the dashboard) is already in use: stop what uses it, or pass --port <another port>`,
      ]);
    } finally {
      await new Promise<void>((done) => firstBlocker?.close(() => done()));
    }
  });

  it("finds nothing wrong with free ports, and an address that is not this machine's is named", async () => {
    const port = await takenPort();
    await new Promise<void>((done) => blocker?.close(() => done()));
    blocker = undefined;
    expect(await portProblem("127.0.0.1", [{ port, what: "the agent API", flag: "--agent-port" }])).toBeUndefined();
    expect(
      await portProblem("203.0.113.7", [{ port: 8080, what: "the coordinator", flag: "--coordinator-port" }]),
    ).toContain("--host");
  });
});
