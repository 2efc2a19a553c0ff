// `pithead miner doctor`'s coordinator check, and the URLs the miner logs, against the scripted
// coordinator on a real socket: a /health that is not 2xx (COORD_URL ending in /v1) or an API_KEY
// the coordinator refuses is a ✖ that says why; log lines name the URL actually requested.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMinerConfig, memoryLogger, minerDoctor, startMiner } from "../src/index.ts";
import { ManualClock } from "./support/manual-clock.ts";
import { startScriptedCoordinator } from "./support/scripted-coordinator.ts";

function config(coordUrl: string, apiKey = "miner-key-1") {
  return loadMinerConfig({
    env: {
      COORD_URL: coordUrl,
      WALLET_ADDR: "wallet_demo",
      API_KEY: apiKey,
      MINER_ID: "rig-gpu0",
      WORK_DIR: mkdtempSync(join(tmpdir(), "miner-doctor-")),
    },
  });
}

const doctor = (coordUrl: string, apiKey?: string) =>
  minerDoctor(config(coordUrl, apiKey), { detectGpus: async () => [], workloads: [] });

describe("miner doctor: the coordinator", () => {
  it("is ✖ when /health is not found, with the URL asked and a hint when COORD_URL ends in /v1", async () => {
    await using coordinator = await startScriptedCoordinator();
    const report = await doctor(`${coordinator.url}/v1`);
    expect(report.coordinator.reachable).toBe(false);
    expect(report.coordinator.detail).toContain(`GET ${coordinator.url}/v1/health answered 404`);
    expect(report.coordinator.detail).toContain(`set it to the coordinator's root, ${coordinator.url}`);
  });

  it("is ✖ naming API_KEY when the coordinator refuses the key, ✔ when it takes it", async () => {
    await using coordinator = await startScriptedCoordinator();
    const refused = await doctor(coordinator.url, "revoked-key");
    expect(refused.coordinator.reachable).toBe(false);
    expect(refused.coordinator.apiKey.accepted).toBe(false);
    expect(refused.coordinator.detail).toMatch(/API_KEY refused .*401 UNAUTHORIZED/);
    const accepted = await doctor(coordinator.url);
    expect(accepted.coordinator).toMatchObject({ reachable: true, apiKey: { accepted: true } });
    expect(accepted.coordinator.detail).toContain("API_KEY accepted");
  });

  it("takes a key the coordinator knows but no miner used yet (the first start registers MINER_ID)", async () => {
    await using coordinator = await startScriptedCoordinator();
    coordinator.overrides.set("/v1/wallet/balance", [
      { status: 409, body: { error: { code: "MINER_NOT_REGISTERED", message: "send a heartbeat first" } } },
    ]);
    const report = await doctor(coordinator.url);
    expect(report.coordinator).toMatchObject({ reachable: true, apiKey: { accepted: true } });
  });
});

describe("miner doctor: the verdict", () => {
  const runnable = [
    {
      name: "noop",
      detect: async () => ({ available: true, reason: "test" }),
      run: async () => ({ output: "", contentType: "text/plain", metrics: {} }),
    },
  ];
  const verdict = (coordUrl: string, apiKey?: string) =>
    minerDoctor(config(coordUrl, apiKey), { detectGpus: async () => [], workloads: runnable });

  it("is ready only when the coordinator answers and takes the key, and says what stands in the way", async () => {
    await using coordinator = await startScriptedCoordinator();
    expect(await verdict(coordinator.url)).toMatchObject({ ok: true, problems: [] });
    const refused = await verdict(coordinator.url, "revoked-key");
    expect(refused.ok).toBe(false);
    expect(refused.problems).toEqual([
      "the coordinator refuses API_KEY (`miner start` would exit 78 at its first heartbeat: retrying cannot fix it)",
    ]);
    const gone = coordinator.url;
    await coordinator[Symbol.asyncDispose]();
    const down = await verdict(gone);
    expect(down.ok).toBe(false);
    expect(down.problems.join()).toContain("no coordinator answers at COORD_URL");
  });

  it.each([false, true])(
    "names the installer's placeholder API_KEY CHANGE_ME as a problem, offline=%s, without sending it",
    async (offline) => {
      await using coordinator = await startScriptedCoordinator();
      const report = await minerDoctor(config(coordinator.url, "CHANGE_ME"), {
        detectGpus: async () => [],
        workloads: runnable,
        offline,
      });
      expect(report.ok).toBe(false);
      // "environment variable API_KEY", longer under systemd (apiKeyOrigin).
      expect(report.problems).toHaveLength(1);
      expect(report.problems[0]).toMatch(
        /^environment variable API_KEY.* is still the installer's placeholder CHANGE_ME: set it to the miner key `pithead keys create --role miner` printed \(`miner start` would exit 78 at its first heartbeat\)$/,
      );
      expect(coordinator.of("/v1/wallet/balance")).toHaveLength(0);
      if (!offline) expect(report.coordinator).toMatchObject({ reachable: false, apiKey: { accepted: false } });
    },
  );

  it('says why a coordinator is unreachable where fetch says only "fetch failed"', async () => {
    // Port 1 is one fetch refuses to connect to ("bad port"), as a mistyped COORD_URL may name.
    const report = await doctor("http://127.0.0.1:1");
    expect(report.coordinator.detail).toBe("unreachable (bad port)");
  });

  it("with --offline judges the machine alone", async () => {
    const report = await minerDoctor(config("http://127.0.0.1:9"), {
      detectGpus: async () => [],
      workloads: runnable,
      offline: true,
    });
    expect(report).toMatchObject({ ok: true, problems: [] });
  });
});

describe("the miner's log names the URL it used", () => {
  it("with COORD_URL ending in /v1: the heartbeat's full URL (/v1/v1/...) and how to fix COORD_URL", async () => {
    await using coordinator = await startScriptedCoordinator();
    const log = memoryLogger();
    const running = await startMiner(config(`${coordinator.url}/v1`), {
      clock: new ManualClock(),
      log,
      detectGpus: async () => [],
      autoStart: false,
      workloads: [
        {
          name: "noop",
          detect: async () => ({ available: true, reason: "test" }),
          run: async () => ({ output: "", contentType: "text/plain", metrics: {} }),
        },
      ],
    });
    await running.miner.heartbeatOnce();
    await running.stop(0);
    const text = log.lines.join("\n");
    expect(text).toContain(`POST ${coordinator.url}/v1/v1/miner/heartbeat answered 404 NOT_FOUND`);
    expect(text).toContain("COORD_URL ends in /v1");
    expect(coordinator.of("/v1/v1/miner/heartbeat")).toHaveLength(1);
  });
});

describe("miner doctor: the settings `miner start` requires", () => {
  const runnable = [
    {
      name: "noop",
      detect: async () => ({ available: true, reason: "test" }),
      run: async () => ({ output: "", contentType: "text/plain", metrics: {} }),
    },
  ];
  const unconfigured = (env: Record<string, string>) =>
    loadMinerConfig({
      env: { MINER_ID: "rig-gpu0", WORK_DIR: mkdtempSync(join(tmpdir(), "miner-doctor-")), ...env },
      requireConnection: false,
    });

  it.each([false, true])("counts each one unset as a problem, offline=%s, as start would refuse", async (offline) => {
    const none = await minerDoctor(unconfigured({}), { detectGpus: async () => [], workloads: runnable, offline });
    expect(none.ok).toBe(false);
    expect(none.problems).toEqual(["COORD_URL, WALLET_ADDR, API_KEY are not set (the miner would refuse to start)"]);
    expect(none.coordinator).toMatchObject({ reachable: false, detail: "COORD_URL is not set" });
    const noWallet = await minerDoctor(unconfigured({ COORD_URL: "http://127.0.0.1:9", API_KEY: "k-1" }), {
      detectGpus: async () => [],
      workloads: runnable,
      offline,
    });
    expect(noWallet.ok).toBe(false);
    expect(noWallet.problems[0]).toBe("WALLET_ADDR is not set (the miner would refuse to start)");
  });
});
