// The CGMiner adapter against simulated miners over real TCP sockets.

import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CgminerAdapter, type MinerEndpoint } from "../src/cgminer/adapter.ts";
import { ManualClock } from "../src/clock.ts";
import { modelById } from "../src/models.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { SimulatedMiner } from "../src/simulator/simulated-miner.ts";

const clock = new ManualClock(Date.UTC(2026, 0, 1));
let simulator: FleetSimulator;
const endpoints = new Map<string, MinerEndpoint>();

beforeAll(async () => {
  simulator = await FleetSimulator.start({ miners: 8, clock, restartDowntimeMs: 20_000 });
  for (const endpoint of simulator.endpoints()) endpoints.set(endpoint.model, endpoint);
});
afterAll(async () => {
  await simulator.close();
});

const fast = { transport: { connectTimeoutMs: 500, totalTimeoutMs: 800 } };

function endpoint(model: string): MinerEndpoint {
  const found = endpoints.get(model);
  if (!found) throw new Error(`no simulated ${model}`);
  return found;
}

/** A one-shot TCP server answering every connection with `reply` (the raw bytes a firmware sends). */
async function rawServer(
  reply: (request: string) => string | undefined,
): Promise<{ endpoint: MinerEndpoint; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((socket) => {
    socket.on("data", (data) => {
      const request = data.toString();
      requests.push(request);
      const answer = reply(request);
      if (answer !== undefined) socket.end(answer);
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { endpoint: { id: `raw-${port}`, host: "127.0.0.1", port }, requests, server };
}

describe("CGMiner adapter over TCP", () => {
  it("polls every firmware family and normalises what it says", async () => {
    const adapter = new CgminerAdapter(fast);
    const expectations: [string, string, string][] = [
      ["s19", "bmminer", "Antminer S19"],
      ["s9", "bmminer", "Antminer S9"],
      ["m30s", "btminer", "M30S.V10"], // as its devdetails names it, learnt on the first poll
      ["avalon-1246", "avalon", "AvalonMiner 1246"],
      ["cgminer-asc", "cgminer", "cgminer ASC rig"],
    ];
    for (const [model, family, label] of expectations) {
      const result = await adapter.poll(endpoint(model));
      expect(result.ok, model).toBe(true);
      if (!result.ok) continue;
      const t = result.telemetry;
      expect(t.firmware.family, model).toBe(family);
      expect(t.model, model).toBe(label);
      expect(Number(t.hashrateThs), model).toBeGreaterThan(0);
      expect(t.boards.length, model).toBeGreaterThan(0);
      expect(t.rawSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(t.maxChipTempC ?? t.maxBoardTempC, model).toBeGreaterThan(40);
      expect(t.pools[0]?.url, model).toContain("stratum+tcp://");
    }
  });

  it("sends all read commands joined in one request, and falls back to one per command where joins are refused", async () => {
    const adapter = new CgminerAdapter(fast);
    await adapter.poll(endpoint("s19"));
    expect(adapter.profile(endpoint("s19").id)).toEqual({ family: "bmminer", joined: true });
    const whatsminer = await adapter.poll(endpoint("m30s"));
    expect(whatsminer.ok).toBe(true);
    expect(adapter.profile(endpoint("m30s").id)).toEqual({ family: "btminer", joined: false });
  });

  it("falls back for a firmware that answers a join with E/14, then keeps asking one command at a time", async () => {
    const adapter = new CgminerAdapter(fast);
    const target = endpoint("cgminer-asc");
    await simulator.setFault(target.id, { kind: "no-joins" });
    try {
      expect((await adapter.poll(target)).ok).toBe(true);
      expect(adapter.profile(target.id).joined).toBe(false);
    } finally {
      await simulator.clearFault(target.id, "no-joins");
    }
  });

  it("frames requests as one JSON write and reads replies up to the NUL", async () => {
    const {
      endpoint: raw,
      requests,
      server,
    } = await rawServer(
      () =>
        `${JSON.stringify({ STATUS: [{ STATUS: "S", Code: 11, Msg: "Summary", Description: "cgminer 4.12.1" }], SUMMARY: [{ "MHS 5s": 1_000_000, Elapsed: 5 }], id: 1 })}\0trailing junk after the NUL`,
    );
    try {
      const adapter = new CgminerAdapter(fast);
      const result = await adapter.send(raw, "summary");
      expect(result.ok && result.terminated).toBe(true);
      expect(requests[0]).toBe('{"command":"summary","parameter":""}');
      if (result.ok) expect(result.raw.toString()).not.toContain("junk");
    } finally {
      server.close();
    }
  });

  it("a reply over the size limit is a failed poll that says so, not 'unreachable'", async () => {
    const { endpoint: raw, server } = await rawServer(() => `{"STATUS":[{"STATUS":"S"}],"x":"${"y".repeat(5_000)}"}\0`);
    try {
      const adapter = new CgminerAdapter({ transport: { ...fast.transport, maxReplyBytes: 1_000 } });
      const result = await adapter.poll(raw);
      expect(result).toMatchObject({
        ok: false,
        failure: "reply-too-large",
        reason: `reply from 127.0.0.1:${raw.port} exceeds 1000 bytes`,
      });
    } finally {
      server.close();
    }
  });

  it("a refused connection is a failed poll with a reason, not an exception", async () => {
    const target = endpoint("s17-pro");
    await simulator.setFault(target.id, { kind: "unreachable" });
    try {
      const result = await new CgminerAdapter(fast).poll(target);
      expect(result).toMatchObject({ ok: false, failure: "unreachable", reason: expect.stringContaining("refused") });
    } finally {
      await simulator.clearFault(target.id, "unreachable");
    }
    expect((await new CgminerAdapter(fast).poll(target)).ok).toBe(true);
  });

  it("a miner that accepts and never answers ends at the total deadline", async () => {
    const target = endpoint("s21");
    simulator.miner(target.id).setFault({ kind: "hang" });
    try {
      const result = await new CgminerAdapter({ transport: { connectTimeoutMs: 300, totalTimeoutMs: 300 } }).poll(
        target,
      );
      expect(result).toMatchObject({ ok: false, failure: "timeout", reason: expect.stringContaining("within 300 ms") });
    } finally {
      simulator.miner(target.id).clearFault("hang");
    }
  });

  it("something that is not a CGMiner API is named for what it is: an echo at once (not a timeout), a web server as HTTP, an SSH server by its banner", async () => {
    // Deadlines far off: a poll that waited for them would end as "timeout", not as what answered.
    const adapter = new CgminerAdapter({ transport: { connectTimeoutMs: 5_000, totalTimeoutMs: 30_000 } });
    const echo = createServer((socket) => socket.pipe(socket));
    const web = createServer((socket) =>
      socket.once("data", () => socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")),
    );
    // As sshd does: its banner first, then it closes on a request that is no SSH identification.
    const ssh = createServer((socket) => {
      socket.write("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
      socket.once("data", () => socket.end("Invalid SSH identification string.\r\n"));
    });
    const listen = async (server: Server) => {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return { id: "foreign", host: "127.0.0.1", port: (server.address() as { port: number }).port };
    };
    try {
      const echoed = await listen(echo);
      expect(await adapter.poll(echoed)).toMatchObject({
        ok: false,
        failure: "not-cgminer",
        reason: `127.0.0.1:${echoed.port} echoed the request back: not a CGMiner API`,
      });
      const http = await listen(web);
      expect(await adapter.poll(http)).toMatchObject({
        ok: false,
        failure: "not-cgminer",
        reason: `127.0.0.1:${http.port} answered HTTP: not a CGMiner API (is this the web UI port? the API is on 4028)`,
      });
      const sshd = await listen(ssh);
      expect(await adapter.poll(sshd)).toMatchObject({
        ok: false,
        failure: "not-cgminer",
        reason: `127.0.0.1:${sshd.port} answered as an SSH server: not a CGMiner API (is this the SSH port? the API is on 4028)`,
      });
    } finally {
      echo.close();
      web.close();
      ssh.close();
    }
  });

  it("an unroutable address ends at the connect deadline", async () => {
    // 192.0.2.0/24 is TEST-NET-1: never routed, so the SYN gets no answer.
    const result = await new CgminerAdapter({ transport: { connectTimeoutMs: 200, totalTimeoutMs: 2_000 } }).poll({
      id: "void",
      host: "192.0.2.1",
      port: 4028,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(["unreachable", "timeout"]).toContain(result.failure);
    expect(result.elapsedMs).toBeLessThan(2_000);
  });

  it("a slow miner answers within the deadline when it is long enough", async () => {
    const target = endpoint("s19-xp");
    simulator.miner(target.id).setFault({ kind: "slow", delayMs: 50 });
    try {
      expect((await new CgminerAdapter(fast).poll(target)).ok).toBe(true);
      expect(
        (await new CgminerAdapter({ transport: { connectTimeoutMs: 500, totalTimeoutMs: 20 } }).poll(target)).ok,
      ).toBe(false);
    } finally {
      simulator.miner(target.id).clearFault("slow");
    }
  });

  it("a slow miner that answers one command at a time is not waited on past the poll's deadline", async () => {
    // A Whatsminer refuses joined commands: its first poll is a refused join, five commands one by
    // one, then four more once its family is known. At 450 ms a reply that is ten replies (4.5 s);
    // the poll ends at twice the 800 ms exchange deadline with what it read by then (its summary).
    const target = endpoint("m30s");
    simulator.miner(target.id).setFault({ kind: "slow", delayMs: 450 });
    try {
      const result = await new CgminerAdapter(fast).poll(target);
      expect(result.ok).toBe(true);
      expect(result.elapsedMs).toBeLessThan(3_500);
      if (result.ok) expect(Number(result.telemetry.hashrateThs)).toBeGreaterThan(0);
      // Slower still, nothing useful came back in time: a timeout, said as the poll's deadline.
      simulator.miner(target.id).setFault({ kind: "slow", delayMs: 700 });
      const late = await new CgminerAdapter(fast).poll(target);
      expect(late).toMatchObject({ ok: false, failure: "timeout" });
      if (!late.ok) expect(late.reason).toContain("the poll passed its deadline (1600 ms");
    } finally {
      simulator.miner(target.id).clearFault("slow");
    }
  });

  it.each([
    ["missing-comma", true, "missing comma"],
    ["trailing-comma", true, "trailing comma"],
    ["bare-inf", true, "bare inf"],
    ["newline", true, "raw control character"],
    ["truncated", true, "truncated"],
  ] as const)("repairs a %s reply and says so in the telemetry", async (form, ok, repair) => {
    const target = endpoint("s19");
    simulator.miner(target.id).setFault({ kind: "malformed", form });
    try {
      const result = await new CgminerAdapter(fast).poll(target);
      expect(result.ok).toBe(ok);
      if (result.ok) expect(result.telemetry.errors.join("\n")).toContain(repair);
    } finally {
      simulator.miner(target.id).clearFault("malformed");
    }
  });

  it("a reply nothing can repair is a failed poll naming the problem", async () => {
    const target = endpoint("s19");
    simulator.miner(target.id).setFault({ kind: "malformed", form: "garbage" });
    try {
      const result = await new CgminerAdapter(fast).poll(target);
      expect(result).toMatchObject({
        ok: false,
        failure: "malformed",
        reason: expect.stringContaining("unexpected '<'"),
      });
      if (!result.ok) expect(result.rawSha256).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      simulator.miner(target.id).clearFault("malformed");
    }
  });

  it("restart is obeyed: RESTART reply, the API down while it reboots, uptime reset after", async () => {
    const target = endpoint("avalon-1246");
    const adapter = new CgminerAdapter(fast);
    const before = await adapter.poll(target);
    const result = await adapter.execute(target, "RESTART", { family: "avalon", devices: 3, nowMs: clock.now() });
    expect(result).toMatchObject({ status: "ok", results: [{ command: "restart", ok: true, message: "RESTART" }] });
    expect((await adapter.poll(target)).ok).toBe(false);
    clock.advance(21_000);
    const after = await adapter.poll(target);
    expect(before.ok && after.ok).toBe(true);
    if (before.ok && after.ok) expect(after.telemetry.uptimeS).toBeLessThan(before.telemetry.uptimeS ?? 0);
    expect(simulator.miner(target.id).commandLog).toEqual(["restart"]);
  });

  it("STOP and RUN use each firmware's own mechanism", async () => {
    const adapter = new CgminerAdapter(fast);
    const rig = endpoint("cgminer-asc");
    const stop = await adapter.execute(rig, "STOP", { family: "cgminer", devices: 3, nowMs: clock.now() });
    expect(stop).toMatchObject({ status: "ok", effect: expect.stringContaining("ASC flagged disabled") });
    const stopped = await adapter.poll(rig);
    expect(stopped.ok && stopped.telemetry.hashrateThs).toBe("0");
    await adapter.execute(rig, "RUN", { family: "cgminer", devices: 3, nowMs: clock.now() });
    expect(simulator.miner(rig.id).commandLog).toEqual([
      "ascdisable|0",
      "ascdisable|1",
      "ascdisable|2",
      "ascenable|0",
      "ascenable|1",
      "ascenable|2",
    ]);

    const avalon = endpoint("avalon-1246");
    const softOff = await adapter.execute(avalon, "STOP", { family: "avalon", devices: 3, nowMs: clock.now() });
    expect(softOff.status).toBe("ok");
    expect(simulator.miner(avalon.id).commandLog.at(-1)).toBe(`ascset|0,softoff,1:${Math.floor(clock.now() / 1000)}`);
    await adapter.execute(avalon, "RUN", { family: "avalon", devices: 3, nowMs: clock.now() });

    const antminer = await adapter.execute(endpoint("s19"), "STOP", {
      family: "bmminer",
      devices: 3,
      nowMs: clock.now(),
    });
    expect(antminer).toMatchObject({ status: "unsupported", why: expect.stringContaining("no stop/start command") });
    expect(simulator.miner(endpoint("s19").id).commandLog).toEqual([]);
  });

  it("an access-denied privileged command is a failed action naming E/45", async () => {
    const target = endpoint("s9");
    simulator.miner(target.id).setFault({ kind: "read-only" });
    try {
      const result = await new CgminerAdapter(fast).execute(target, "RESTART", {
        family: "bmminer",
        devices: 3,
        nowMs: clock.now(),
      });
      expect(result).toMatchObject({ status: "failed", error: "restart|: E/45 Access denied to 'restart' command" });
    } finally {
      simulator.miner(target.id).clearFault("read-only");
    }
  });

  it("quit answers BYE and the miner comes back after the watchdog delay", async () => {
    const target = endpoint("s9");
    const adapter = new CgminerAdapter(fast);
    const result = await adapter.send(target, "quit");
    expect(result.ok && result.raw.toString()).toBe('{"STATUS":"BYE"}');
    expect((await adapter.poll(target)).ok).toBe(false);
    clock.advance(61_000);
    expect((await adapter.poll(target)).ok).toBe(true);
  });
});

/** A firmware scripted over a real socket: a simulated miner's replies, with every request kept. */
async function scriptedMiner(model: string) {
  const spec = modelById(model);
  if (!spec) throw new Error(`no model ${model}`);
  const minerClock = new ManualClock(Date.UTC(2026, 0, 1));
  const miner = new SimulatedMiner({
    id: "scripted",
    model: spec,
    seed: 9,
    clock: minerClock,
    restartDowntimeMs: 1_000,
  });
  let garble = false;
  const raw = await rawServer((request) => {
    if (garble) return "<html>502</html>";
    const response = miner.handle(request);
    return response.kind === "reply" ? `${response.text}\0` : undefined;
  });
  return {
    ...raw,
    miner,
    minerClock,
    commands: () => raw.requests.map((request) => (JSON.parse(request) as { command: string }).command),
    garble(on: boolean) {
      garble = on;
    },
  };
}

describe("full and routine polls", () => {
  it("asks what the machine is (version) on the first poll only, and reports the same telemetry after", async () => {
    const scripted = await scriptedMiner("s19");
    try {
      const adapter = new CgminerAdapter(fast);
      const first = await adapter.poll(scripted.endpoint);
      expect(adapter.pollRequests(scripted.endpoint.id)).toEqual(['{"command":"summary+pools+stats","parameter":""}']);
      scripted.minerClock.advance(30_000);
      const second = await adapter.poll(scripted.endpoint);
      expect(scripted.commands()).toEqual(["version+summary+devs+pools+stats", "summary+pools+stats"]);
      expect(first.ok && second.ok).toBe(true);
      if (first.ok && second.ok) {
        expect(second.telemetry.model).toBe(first.telemetry.model);
        expect(second.telemetry.firmware).toEqual({ family: "bmminer", name: "bmminer", version: "1.0.0" });
        expect(second.telemetry.firmware).toEqual(first.telemetry.firmware);
        expect(second.telemetry.uptimeS).toBe((first.telemetry.uptimeS ?? 0) + 30);
      }
    } finally {
      scripted.server.close();
    }
  });

  it("learns a Whatsminer's model on the first poll, from devdetails, with no model configured (regression: null for 120 polls)", async () => {
    const scripted = await scriptedMiner("m30s");
    try {
      const adapter = new CgminerAdapter(fast);
      const first = await adapter.poll(scripted.endpoint);
      expect(first.ok && first.telemetry.model).toBe("M30S.V10");
      scripted.minerClock.advance(30_000);
      const second = await adapter.poll(scripted.endpoint);
      expect(second.ok && second.telemetry.model).toBe("M30S.V10");
    } finally {
      scripted.server.close();
    }
  });

  it("asks again for what the machine is when a full poll learnt no model", async () => {
    const spec = modelById("m30s");
    if (!spec) throw new Error("no m30s");
    const minerClock = new ManualClock(Date.UTC(2026, 0, 1));
    const miner = new SimulatedMiner({ id: "shy", model: spec, seed: 3, clock: minerClock });
    let devdetailsWorks = false;
    const raw = await rawServer((request) => {
      const { command } = JSON.parse(request) as { command: string };
      if (command === "devdetails" && !devdetailsWorks)
        return '{"STATUS":"E","When":0,"Code":14,"Msg":"invalid cmd","Description":""}\0';
      const response = miner.handle(request);
      return response.kind === "reply" ? `${response.text}\0` : undefined;
    });
    try {
      const adapter = new CgminerAdapter(fast);
      const first = await adapter.poll(raw.endpoint);
      expect(first.ok && first.telemetry.model).toBeNull();
      devdetailsWorks = true;
      minerClock.advance(30_000);
      const second = await adapter.poll(raw.endpoint);
      expect(second.ok && second.telemetry.model).toBe("M30S.V10");
    } finally {
      raw.server.close();
    }
  });

  it("Whatsminer, which refuses joins: one connection fewer per routine poll (devdetails only on a full poll)", async () => {
    const scripted = await scriptedMiner("m30s");
    try {
      const adapter = new CgminerAdapter(fast);
      const first = await adapter.poll(scripted.endpoint);
      const before = scripted.requests.length;
      scripted.minerClock.advance(30_000);
      const second = await adapter.poll(scripted.endpoint);
      expect(scripted.commands().slice(before)).toEqual(["summary", "devs", "pools"]);
      expect(first.ok && second.ok && second.telemetry.model).toBe(first.ok ? first.telemetry.model : "unset");
    } finally {
      scripted.server.close();
    }
  });

  it("a restart seen on a routine poll (uptime went back) brings the full poll back at once", async () => {
    const scripted = await scriptedMiner("s19");
    try {
      const adapter = new CgminerAdapter(fast);
      await adapter.poll(scripted.endpoint);
      scripted.miner.handle('{"command":"restart","parameter":""}');
      scripted.minerClock.advance(2_000); // back up, uptime from zero
      const after = await adapter.poll(scripted.endpoint);
      expect(after.ok && after.telemetry.uptimeS).toBeLessThan(10);
      expect(scripted.commands()).toEqual([
        "version+summary+devs+pools+stats",
        "summary+pools+stats",
        "version+summary+pools+stats",
      ]);
    } finally {
      scripted.server.close();
    }
  });

  it("after a failed poll the next one asks for everything again", async () => {
    const scripted = await scriptedMiner("s19");
    try {
      const adapter = new CgminerAdapter(fast);
      await adapter.poll(scripted.endpoint);
      scripted.garble(true);
      expect((await adapter.poll(scripted.endpoint)).ok).toBe(false);
      scripted.garble(false);
      expect((await adapter.poll(scripted.endpoint)).ok).toBe(true);
      // The garbled join was retried one command at a time before the poll was given up.
      expect(scripted.commands()).toEqual([
        "version+summary+devs+pools+stats",
        "summary+pools+stats",
        "summary",
        "pools",
        "stats",
        "version+summary+pools+stats",
      ]);
    } finally {
      scripted.server.close();
    }
  });

  it("asks for everything again every fullPollEvery polls", async () => {
    const scripted = await scriptedMiner("s19");
    try {
      const adapter = new CgminerAdapter({ ...fast, fullPollEvery: 3 });
      for (let poll = 0; poll < 5; poll++) {
        scripted.minerClock.advance(30_000);
        expect((await adapter.poll(scripted.endpoint)).ok).toBe(true);
      }
      expect(scripted.commands().map((command) => command.startsWith("version"))).toEqual([
        true,
        false,
        false,
        true,
        false,
      ]);
    } finally {
      scripted.server.close();
    }
  });
});
