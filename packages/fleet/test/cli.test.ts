// The `pithead fleet` commands, run as a user runs them: a child process of the real CLI.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";

const run = promisify(execFile);
const cli = new URL("../../cli/bin/pithead.js", import.meta.url).pathname;
let cwd: string;
let simulator: FleetSimulator;
const clean = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", CI: "1", LOG_LEVEL: "warn" };

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), "pithead-fleet-cli-"));
  simulator = await FleetSimulator.start({ miners: 2, models: ["avalon-1246", "s21"] });
});
afterAll(async () => {
  await simulator.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe("pithead fleet", () => {
  it("probe prints a miner's firmware, model, telemetry and what STOP would do", async () => {
    const [avalon] = simulator.endpoints();
    const text = await run(process.execPath, [cli, "fleet", "probe", `${avalon?.host}:${avalon?.port}`], {
      cwd,
      env: clean,
    });
    expect(text.stdout).toContain("AvalonMiner 1246 — cgminer");
    expect(text.stdout).toMatch(/hashrate\s+\d+\.\d+ TH\/s \(30s window\)/);
    expect(text.stdout).toMatch(/STOP\s+ascset\|0,softoff,1:\d+ — Avalon soft-off/);
    // An S21 does not report its power: the probe says which nameplate it was estimated from, once.
    const [, s21] = simulator.endpoints();
    const estimated = await run(process.execPath, [cli, "fleet", "probe", `${s21?.host}:${s21?.port}`], {
      cwd,
      env: clean,
    });
    expect(estimated.stdout).toMatch(/ {2}power {6}\d+ W \(estimated from Antminer S21 nameplate [\d.]+ J\/TH\)\n/);
  });

  it("probe checks what it read as a cycle does: a hot Avalon and one reporting 4× its nameplate are listed with the divergence codes", async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    await using faulty = await FleetSimulator.start({ miners: 2, clock, models: ["avalon-1246"] });
    await faulty.setFault("sim-001", { kind: "over-temperature" });
    await faulty.setFault("sim-002", { kind: "impossible", value: "hashrate-spike" });
    clock.advance(30 * 60_000); // the chips climb past the stop level
    const [hot, spiking] = faulty.endpoints();
    const probe = (endpoint: typeof hot, env = {}) =>
      run(process.execPath, [cli, "fleet", "probe", `${endpoint?.host}:${endpoint?.port}`], {
        cwd,
        env: { ...clean, ...env },
      });
    expect((await probe(hot)).stdout).toMatch(
      /\n {2}checks a cycle would fail:\n {4}OVER_TEMPERATURE \(blocking\): chip temperature \d+ °C at or above the stop level 95 °C\n/,
    );
    // The thresholds are the configuration's (here the environment's).
    expect((await probe(hot, { TEMP_STOP_C: "140", TEMP_WARN_C: "130", TEMP_MAX_C: "150" })).stdout).toContain(
      "\n  checks     none failed (the thresholds a cycle uses)\n",
    );
    const spike = await probe(spiking);
    expect(spike.stdout).toContain(
      "\n  checks a cycle would fail:\n    IMPOSSIBLE_HASHRATE (blocking): hashrate 360 TH/s is over 1.5× nameplate 90 TH/s\n",
    );
    const json = await run(process.execPath, [cli, "fleet", "probe", `${spiking?.host}:${spiking?.port}`, "--json"], {
      cwd,
      env: clean,
    });
    expect(JSON.parse(json.stdout).checks).toEqual([
      expect.objectContaining({ code: "IMPOSSIBLE_HASHRATE", blocking: true, observed: "360", limit: "135" }),
    ]);
  });

  it("probe of something that is not a miner says what answered: an echo, a web server", async () => {
    const echo = createServer((socket) => socket.pipe(socket));
    const web = createHttpServer((_, response) => response.end("<html>router login</html>"));
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    try {
      for (const [server, says] of [
        [echo, "echoed the request back: not a CGMiner API"],
        [web, "answered HTTP: not a CGMiner API (is this the web UI port? the API is on 4028)"],
      ] as const) {
        const address = `127.0.0.1:${(server.address() as { port: number }).port}`;
        const failure = await run(process.execPath, [cli, "fleet", "probe", address], { cwd, env: clean }).catch(
          (error: { code: number; stderr: string }) => error,
        );
        expect(failure).toMatchObject({ code: 1 });
        expect((failure as { stderr: string }).stderr).toContain(`error: not-cgminer: ${address} ${says}\n`);
      }
    } finally {
      echo.close();
      web.close();
    }
  });

  it("probe of a dead address fails with one clear line and a non-zero exit", async () => {
    const failure = await run(process.execPath, [cli, "fleet", "probe", "127.0.0.1:1"], { cwd, env: clean }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain("error: unreachable: 127.0.0.1:1 refused the connection");
  });

  it("probe refuses a malformed address as the configuration does (exit 2), without asking DNS", async () => {
    for (const [address, message] of [
      ["999.1.1.1", 'error: address is not a valid IPv4 address (each part 0-255): "999.1.1.1"\n'],
      ["bad host!:4029", 'error: address is not an IP address or host name: "bad host!"\n'],
    ]) {
      const failure = await run(process.execPath, [cli, "fleet", "probe", address as string], {
        cwd,
        env: clean,
      }).catch((error: { code: number; stderr: string }) => error);
      expect(failure).toMatchObject({ code: 2, stderr: message });
    }
  });

  it("start serves a simulated fleet; cycle --url runs a signed cycle against it; SIGINT stops it", async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [cli, "fleet", "start", "--port", "0", "--no-loop", "--simulated", "6"],
      { cwd, env: clean },
    );
    try {
      let stderr = "";
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr?.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /listening on (http:\/\/[^\s]+)/.exec(stderr);
          if (match?.[1] && stderr.includes("HMAC secret")) resolve(match[1]);
        });
        child.once("exit", (code) => reject(new Error(`start exited ${code}: ${stderr}`)));
      });
      const secretFile = /secret is in (\S+)/.exec(stderr)?.[1] as string;
      // The hint works as printed after `npm ci` (no global install): through npx.
      expect(stderr).toContain(
        `(sign requests with: npx pithead fleet sign --operator default --secret-file ${secretFile} ...)`,
      );
      expect(readFileSync(join(cwd, secretFile), "utf8").trim().length).toBeGreaterThanOrEqual(16);
      // Public: the operator list and that the fleet is simulated, not how many miners it has.
      const health = (await (await fetch(`${url}/health`)).json()) as { operators: unknown[]; simulated: unknown };
      expect(health.operators).toEqual([{ id: "default", label: expect.any(String) }]);
      expect(health.simulated).toBe(true);
      const cycle = await run(
        process.execPath,
        [cli, "fleet", "cycle", "--url", url, "--operator", "default", "--secret-file", secretFile, "--json"],
        { cwd, env: clean },
      );
      expect(JSON.parse(cycle.stdout)).toMatchObject({
        operatorId: "default",
        miners: 6,
        polled: { ok: 6, failed: 0 },
      });
      const unsigned = await fetch(`${url}/miners`);
      expect(unsigned.status).toBe(401);
      // `pithead ledger verify` signs its download of the operator's ledger when told who it is.
      const verified = await run(
        process.execPath,
        [cli, "ledger", "verify", url, "--operator", "default", "--secret-file", secretFile, "--json"],
        { cwd, env: clean },
      );
      expect(JSON.parse(verified.stdout).reports).toEqual([
        expect.objectContaining({ partition: "fleet/default", ok: true }),
      ]);
      const refused = await run(process.execPath, [cli, "ledger", "verify", url], { cwd, env: clean }).catch(
        (error: { code: number; stderr: string }) => error,
      );
      expect(refused).toMatchObject({ code: 3 }); // could not run: the server refused
      expect((refused as { stderr: string }).stderr).toContain("add --operator <id> --secret-file <file>");
    } finally {
      child.kill("SIGINT");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    expect(child.exitCode).toBe(0);
    // The ledger it wrote replays cleanly.
    const replay = await run(process.execPath, [cli, "fleet", "replay", "--json"], { cwd, env: clean });
    expect(JSON.parse(replay.stdout)).toEqual([
      expect.objectContaining({ partition: "fleet/default", ok: true, cycles: 1 }),
    ]);
  });

  it("sign prints curl-ready headers", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        cli,
        "fleet",
        "sign",
        "--operator",
        "op-1",
        "--secret",
        "0123456789abcdef0123",
        "--method",
        "POST",
        "--path",
        "/loop/run-once",
        "--url",
        "http://127.0.0.1:3001",
      ],
      { cwd, env: clean },
    );
    expect(stdout).toMatch(
      /^curl -sS -X POST -H 'x-pithead-operator: op-1' -H 'x-pithead-timestamp: \d+' -H 'x-pithead-nonce: [0-9a-f]{32}' -H 'x-pithead-content-sha256: e3b0c442[0-9a-f]{56}' -H 'x-pithead-signature: v1=[0-9a-f]{64}' 'http:\/\/127\.0\.0\.1:3001\/loop\/run-once'\n$/,
    );
  });

  it("a second controller on the same data is refused at start, and `fleet cycle` there too: one line naming the ledger, DATA_DIR and the process holding it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pithead-fleet-twice-"));
    const first: ChildProcess = spawn(
      process.execPath,
      [cli, "fleet", "start", "--port", "0", "--no-loop", "--simulated", "2"],
      {
        cwd: dir,
        env: clean,
      },
    );
    try {
      const url = await untilListening(first);
      for (const args of [
        ["fleet", "start", "--port", "0", "--no-loop", "--simulated", "2"],
        ["fleet", "cycle"],
      ]) {
        const refused = await run(process.execPath, [cli, ...args], { cwd: dir, env: clean }).catch(
          (error: { code: number; stderr: string }) => error,
        );
        const stderr = (refused as { stderr: string }).stderr;
        expect(refused, args.join(" ")).toMatchObject({ code: 1 });
        const errors = stderr.split("\n").filter((line) => line.startsWith("error: "));
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatch(
          new RegExp(
            `^error: the fleet ledger \\./data/fleet-ledger \\(DATA_DIR \\./data\\) is in use by another fleet controller — partition "fleet/default" already has a writer: process ${first.pid} holds `,
          ),
        );
        expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
        if (args[1] === "start") expect(stderr).toContain(`\n  it listens on ${url} (process ${first.pid})\n`);
        // A cycle is run on the running controller instead: the command for its run-once, at the
        // address it listens on (--port 0: not this configuration's 3001).
        if (args[1] === "cycle")
          expect(stderr).toContain(
            `  the controller holding it (process ${first.pid}) listens on ${url}: run the cycle there (its /loop/run-once) with\n    pithead fleet cycle --url ${url} --operator default --secret-file data/fleet-operator-default.secret\n`,
          );
      }
    } finally {
      first.kill("SIGINT");
      await new Promise((resolve) => first.once("exit", resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--dotenv names the settings file (Node keeps --env-file for itself); a missing one is an error naming the option", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pithead-fleet-dotenv-"));
    try {
      const missing = await run(process.execPath, [cli, "fleet", "replay", "--dotenv", "missing.env"], {
        cwd: dir,
        env: clean,
      }).catch((error: { code: number; stderr: string }) => error);
      expect(missing).toMatchObject({ code: 2 });
      expect((missing as { stderr: string }).stderr).toBe("error: --dotenv: cannot read missing.env: no such file\n");
      writeFileSync(join(dir, "site.env"), "OPERATOR_ID=north-site\nPOOL_FEE_PERCENT=1\n");
      const replay = await run(process.execPath, [cli, "fleet", "replay", "--dotenv", "site.env", "--json"], {
        cwd: dir,
        env: clean,
      });
      expect(JSON.parse(replay.stdout)).toEqual([expect.objectContaining({ partition: "fleet/north-site", ok: true })]);
      for (const command of ["start", "cycle", "replay"]) {
        const help = await run(process.execPath, [cli, "fleet", command, "--help"], { cwd: dir, env: clean });
        expect(help.stdout, command).toContain("--dotenv <file>");
        expect(help.stdout, command).not.toContain("--env-file");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a line of ./.env that is not a setting stops the start naming the file and line, not a simulated fleet", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pithead-fleet-dotenv-typo-"));
    try {
      writeFileSync(join(dir, ".env"), "API_SECRET=0123456789abcdef0\nMINER_0_IP 192.168.1.101\n");
      const refused = await run(process.execPath, [cli, "fleet", "start", "--port", "0"], {
        cwd: dir,
        env: { ...clean, DATA_DIR: join(dir, "data") },
      }).catch((error: { code: number; stderr: string }) => error);
      expect(refused).toMatchObject({ code: 2 });
      expect((refused as { stderr: string }).stderr).toContain(
        'error: .env:2: expected KEY=value, got "MINER_0_IP 192.168.1.101"\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sign, cycle and replay call a mistyped --path, --method, --url or --operator a command-line error (2), naming what there is", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pithead-fleet-usage-"));
    try {
      const env = { ...clean, DATA_DIR: join(dir, "data"), FLEET_SECRET: "0123456789abcdef0" };
      const refused = (args: string[]) =>
        run(process.execPath, [cli, "fleet", ...args], { cwd: dir, env }).catch(
          (error: { code: number; stderr: string }) => error,
        );
      expect(await refused(["sign", "--operator", "default", "--path", "miners"])).toMatchObject({
        code: 2,
        stderr: "error: --path must start with '/' (the path with its query, e.g. /miners), got 'miners'\n",
      });
      expect(await refused(["sign", "--operator", "default", "--path", "/miners", "--method", "FETCH"])).toMatchObject({
        code: 2,
        stderr: "error: --method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, got 'FETCH'\n",
      });
      expect(await refused(["cycle", "--operator", "default", "--secret-file", "default.secret"])).toMatchObject({
        code: 2,
        stderr:
          "error: --secret-file signs the request to a running controller: give its --url too (without --url the cycle runs in-process)\n",
      });
      // A controller's address without its scheme: named as the option (or FLEET_URL) that gave it.
      expect(await refused(["cycle", "--url", "127.0.0.1:3001", "--operator", "default"])).toMatchObject({
        code: 2,
        stderr: 'error: --url: "127.0.0.1:3001" is not an http(s) URL (e.g. http://127.0.0.1:3001)\n',
      });
      expect(await refused(["sign", "--operator", "default", "--path", "/miners", "--url", "ftp://x"])).toMatchObject({
        code: 2,
        stderr: 'error: --url: "ftp://x" is not an http(s) URL (e.g. http://127.0.0.1:3001)\n',
      });
      expect(
        await run(process.execPath, [cli, "fleet", "cycle", "--operator", "default"], {
          cwd: dir,
          env: { ...env, FLEET_URL: "localhost:3001" },
        }).catch((error: { code: number; stderr: string }) => error),
      ).toMatchObject({
        code: 2,
        stderr: 'error: FLEET_URL: "localhost:3001" is not an http(s) URL (e.g. http://127.0.0.1:3001)\n',
      });
      expect(await refused(["replay", "--operator", "defualt"])).toMatchObject({
        code: 2,
        stderr:
          "error: --operator: no operator 'defualt' is configured and its partition fleet/defualt is empty (configured: default)\n",
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("simulate and start refuse a bad --models, --fault, --miners or port naming the option (2), not in Node's words", async () => {
    const refused = (args: string[]) =>
      run(process.execPath, [cli, "fleet", ...args], { cwd, env: clean }).catch(
        (error: { code: number; stderr: string }) => error,
      );
    const cases: [string[], string][] = [
      [
        ["simulate", "--models", "s19,s99"],
        "error: --models: unknown model 's99' (known: s9, s17-pro, s19, s19-xp, s21, m30s, avalon-1246, cgminer-asc)",
      ],
      [
        ["simulate", "--miners", "2", "--fault", "sim-009=hang"],
        "error: --fault sim-009=hang: no simulated miner 'sim-009'",
      ],
      [["simulate", "--fault", "sim-001=melting"], "error: --fault sim-001=melting: unknown fault 'melting'"],
      [["simulate", "--miners", "0"], "error: --miners must be a whole number of miners, at least 1, got '0'"],
      [["simulate", "--miners", "10", "--base-port", "65530"], "error: --base-port 65530 leaves no room for 10 miners"],
      [["start", "--port", "99999"], "error: --port must be a port number, 0 to 65535, got '99999'"],
    ];
    for (const [args, message] of cases) {
      const result = (await refused(args)) as { code: number; stderr: string };
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr, args.join(" ")).toContain(message);
    }
  });

  it("probe names a Whatsminer's model, and refuses a zero timeout or an unknown --model naming the flag", async () => {
    await using whatsminers = await FleetSimulator.start({ miners: 1, models: ["m30s"] });
    const [m30s] = whatsminers.endpoints();
    const probed = await run(process.execPath, [cli, "fleet", "probe", `${m30s?.host}:${m30s?.port}`], {
      cwd,
      env: clean,
    });
    expect(probed.stdout).toMatch(/: M30S\.V10 — btminer/);
    const zero = await run(process.execPath, [cli, "fleet", "probe", "127.0.0.1:1", "--timeout", "0"], {
      cwd,
      env: clean,
    }).catch((error: { code: number; stderr: string }) => error);
    // A bad flag value is a command-line error (2), like every other command's.
    expect(zero).toMatchObject({
      code: 2,
      stderr: "error: --timeout must be a whole number of ms, at least 1, got '0'\n",
    });
    const model = await run(process.execPath, [cli, "fleet", "probe", "127.0.0.1:1", "--model", "zz"], {
      cwd,
      env: clean,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(model).toMatchObject({ code: 2 });
    expect((model as { stderr: string }).stderr).toBe(
      "error: --model: unknown model 'zz' (known: s9, s17-pro, s19, s19-xp, s21, m30s, avalon-1246, cgminer-asc)\n",
    );
  });
});

/** Resolves once a `fleet start` child says it is listening. */
/** The URL the started controller says it listens on. */
function untilListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url && stderr.includes("HMAC secret")) resolve(url);
    });
    child.once("exit", (code) => reject(new Error(`start exited ${code}: ${stderr}`)));
  });
}
