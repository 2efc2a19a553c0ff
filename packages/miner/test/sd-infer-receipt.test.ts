// An sd_infer job's receipt counts what the client paid for: images. The miner against the real
// coordinator (SQLite, over HTTP) and an AUTOMATIC1111-compatible backend answering real PNGs,
// stepped by hand; the receipt is read as a client reads it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SignedReceipt } from "@pithead/coordinator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMinerConfig } from "../src/index.ts";
import { type A1111Server, startA1111Server } from "./support/a1111-server.ts";
import { ADMIN_KEY, type RealCoordinator, startRealCoordinator } from "./support/real-coordinator.ts";
import { startSteppedMiner } from "./support/stepped-miner.ts";

let coordinator: RealCoordinator;
let sd: A1111Server;

beforeAll(async () => {
  coordinator = await startRealCoordinator();
  sd = await startA1111Server();
});

afterAll(async () => {
  await sd[Symbol.asyncDispose]();
  await coordinator.close();
});

const call = (method: string, path: string, key: string, body?: unknown) => coordinator.call(method, path, key, body);

describe("an sd_infer receipt", () => {
  it("counts the images the miner produced (units: 1, unit_type: images), not one job", async () => {
    const wallet = `w_sd_${process.pid}`;
    const clientKey = String((await call("POST", "/v1/admin/keys", ADMIN_KEY, { role: "client", wallet })).body.key);
    expect((await call("POST", `/v1/admin/wallets/${wallet}/fund`, ADMIN_KEY, { amount: 10_000 })).status).toBe(200);
    const minerKey = String((await call("POST", "/v1/admin/keys", ADMIN_KEY, { role: "miner" })).body.key);
    const { running, clock } = await startSteppedMiner(
      loadMinerConfig({
        env: {
          COORD_URL: coordinator.url,
          WALLET_ADDR: `wallet_rig_sd_${process.pid}`,
          API_KEY: minerKey,
          MINER_ID: `rig-sd-${process.pid}`,
          WORK_DIR: mkdtempSync(join(tmpdir(), "miner-sd-receipt-")),
          WORKLOADS: "sd_infer",
          SD_URL: sd.url,
          POLL_WAIT_SECS: "0",
        },
      }),
    );
    try {
      const created = await call("POST", "/v1/jobs", clientKey, {
        workload: "sd_infer",
        params: { prompt: "a red square", width: 64, height: 64, steps: 4 },
        reward: 100,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const jobId = String(created.body.id);
      await running.miner.heartbeatOnce();
      expect((await running.miner.pollOnce()).job?.id).toBe(jobId);
      await running.miner.idle();
      await running.miner.deliverPending();

      const signed = (await call("GET", `/v1/jobs/${jobId}/receipt`, clientKey)).body as unknown as SignedReceipt;
      expect(signed.receipt).toMatchObject({ job_id: jobId, workload: "sd_infer", units: 1, unit_type: "images" });
      const result = (await call("GET", `/v1/jobs/${jobId}/result`, clientKey)).body;
      expect(result.metrics).toMatchObject({ images: 1, content_type: "image/png" });
    } finally {
      const stopped = running.stop(0);
      clock.advance(0);
      await stopped;
    }
  });
});
