// Acceptance: the coordinator (SQLite) is killed with SIGKILL at random moments under load and
// restarted, ten times. Clients retry with the same Idempotency-Key and miners re-send proofs until
// acknowledged, as real ones do. Afterwards: every acknowledged job exists, every acknowledged
// proof was paid exactly once, and the balances sum to what was funded.
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { openLedger } from "@pithead/ledger";
import { afterAll, describe, expect, it } from "vitest";
import { CoordinatorApiError, CoordinatorClient } from "../src/client.ts";
import type { ClaimResponse, JobView, ProofResponse } from "../src/schemas/index.ts";
import { sha256 } from "./support/coordinator.ts";
import { type CoordinatorProcess, spawnCoordinator } from "./support/process.ts";
import { tempDir } from "./support/temp-dir.ts";

const KILLS = 10;
const MINERS = 6;
const REWARD = 100;
const FEE = 1;
const adminKey = `ph_admin_aaaaaaaaaaaa_${"c".repeat(43)}`;

async function freePort(): Promise<number> {
  return await new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Retries a call while the coordinator is down (connection refused/reset, 503 while closing). */
async function untilAnswered<T>(call: () => Promise<T>, stopped: () => boolean): Promise<T | undefined> {
  for (let attempt = 0; attempt < 2_000 && !stopped(); attempt++) {
    try {
      return await call();
    } catch (error) {
      const transient = error instanceof CoordinatorApiError && (error.status === 0 || error.status >= 500);
      if (!transient) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return undefined;
}

describe("SIGKILL at random moments under load", () => {
  const dir = tempDir();
  let current: CoordinatorProcess | undefined;
  afterAll(async () => {
    await current?.kill("SIGKILL");
    dir[Symbol.dispose]();
  });

  it("loses no accepted job, proof or credit, credits nothing twice, and keeps the books balanced", async () => {
    const port = String(await freePort());
    const flags = { port, data: dir.path, "lease-ttl": "1", "sweep-interval-ms": "100", "fee-bps": "100" };
    const env = { PITHEAD_ADMIN_KEY: adminKey };
    current = await spawnCoordinator(flags, env, { entry: "direct" });
    const url = current.url;
    const admin = new CoordinatorClient(url, adminKey);
    const clientKey = (await admin.createKey({ role: "client", wallet: "crash_client" })).key ?? "";
    const funded = 1_000_000;
    await admin.fund("crash_client", funded, "fund-once");
    const client = new CoordinatorClient(url, clientKey);
    const minerClients: CoordinatorClient[] = [];
    for (let i = 0; i < MINERS; i++) {
      const key = (await admin.createKey({ role: "miner" })).key ?? "";
      const api = new CoordinatorClient(url, key);
      await api.request("POST", "/v1/miner/heartbeat", {
        body: { miner_id: `cm${i}`, wallet: `cw${i}`, mode: "cpu", gpu: 0 },
      });
      minerClients.push(api);
    }

    let stopping = false;
    const acknowledgedJobs = new Set<string>();
    const acknowledgedProofs = new Map<string, { minerId: string; credited: number }>();

    // Clients: each job has its Idempotency-Key from the start and keeps it across retries.
    const submitting = (async () => {
      while (!stopping) {
        const idempotencyKey = randomUUID();
        // Leases lost in crashes expire and come back; a generous max_attempts keeps a slow machine
        // from failing jobs that way (that path is covered by the store contract).
        const job = await untilAnswered(
          () => client.submit({ workload: "torch_bench", reward: REWARD, max_attempts: 100 }, idempotencyKey),
          () => stopping,
        );
        if (job) acknowledgedJobs.add(job.id);
      }
    })();
    // Miners: a proof is re-sent (same body, same Idempotency-Key) until the coordinator answers it.
    const mining = minerClients.map(async (api, i) => {
      while (!stopping) {
        const claimed = await untilAnswered(
          () =>
            api.request<ClaimResponse>("POST", "/v1/miner/claim", {
              body: { miner_id: `cm${i}`, max_jobs: 2, wait_s: 1 },
            }),
          () => stopping,
        );
        for (const job of claimed?.body.jobs ?? []) {
          const key = `proof-${job.id}`;
          try {
            const answer = await untilAnswered(
              () =>
                api.request<ProofResponse>("POST", "/v1/miner/proof", {
                  body: { id: job.id, output_sha: sha256(job.id), metrics: {}, lease_token: job.lease_token },
                  idempotencyKey: key,
                }),
              () => false,
            );
            if (answer) acknowledgedProofs.set(job.id, { minerId: `cm${i}`, credited: answer.body.credited });
          } catch (error) {
            // The lease ran out while the coordinator was down: the job went back to the queue.
            if (!(error instanceof CoordinatorApiError && error.status === 409)) throw error;
          }
        }
      }
    });

    for (let kill = 0; kill < KILLS; kill++) {
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.floor(Math.random() * 350)));
      await current.kill("SIGKILL");
      current = await spawnCoordinator(flags, env, { entry: "direct" });
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    stopping = true;
    await submitting;
    await Promise.all(mining);

    // Drain what is left (leases lost in a crash come back after the 1 s lease TTL).
    const finishing = minerClients.map(async (api, i) => {
      for (let round = 0; round < 100; round++) {
        const stats = (await admin.request<{ jobs: Record<string, number> }>("GET", "/v1/admin/stats")).body.jobs;
        if (stats.QUEUED === 0 && stats.LEASED === 0) return;
        const claimed = await api.request<ClaimResponse>("POST", "/v1/miner/claim", {
          body: { miner_id: `cm${i}`, max_jobs: 4, wait_s: 1 },
        });
        for (const job of claimed.body.jobs) {
          const answer = await api.request<ProofResponse>("POST", "/v1/miner/proof", {
            body: { id: job.id, output_sha: sha256(job.id), metrics: {} },
            idempotencyKey: `proof-${job.id}`,
          });
          acknowledgedProofs.set(job.id, { minerId: `cm${i}`, credited: answer.body.credited });
        }
      }
    });
    await Promise.all(finishing);

    expect(acknowledgedJobs.size).toBeGreaterThan(20);
    // No accepted job lost: every acknowledged submission is there, and finished.
    const all = new Map<string, JobView>();
    let cursor: string | null = null;
    do {
      const page: { jobs: JobView[]; next_cursor: string | null } = (
        await admin.request<{ jobs: JobView[]; next_cursor: string | null }>(
          "GET",
          `/v1/jobs?limit=500${cursor ? `&cursor=${cursor}` : ""}`,
        )
      ).body;
      for (const job of page.jobs) all.set(job.id, job);
      cursor = page.next_cursor;
    } while (cursor);
    for (const id of acknowledgedJobs) expect(all.get(id)?.state, JSON.stringify(all.get(id))).toBe("COMPLETED");
    // Jobs whose 201 was lost in a crash may exist too (the client retried with the same key, so
    // never twice): every job in the database is one the clients asked for.
    expect(all.size).toBeLessThanOrEqual(acknowledgedJobs.size + 1);

    // No proof or credit lost, nothing credited twice.
    const expectedByMiner = new Map<string, number>();
    for (const [id, proof] of acknowledgedProofs) {
      const receipts = (
        await admin.request<{ receipt: { miner_id: string; reward: number } }>("GET", `/v1/jobs/${id}/receipt`)
      ).body;
      expect(receipts.receipt.miner_id).toBe(proof.minerId);
      expect(receipts.receipt.reward).toBe(REWARD - FEE);
      expectedByMiner.set(proof.minerId, (expectedByMiner.get(proof.minerId) ?? 0) + REWARD - FEE);
    }
    const completed = [...all.values()].filter((job) => job.state === "COMPLETED").length;
    const minerTotal = await Promise.all(
      Array.from({ length: MINERS }, async (_, i) => (await admin.balance(`cw${i}`)).balance),
    );
    expect(minerTotal.reduce((a, b) => a + b, 0)).toBe(completed * (REWARD - FEE));
    for (let i = 0; i < MINERS; i++) {
      expect(minerTotal[i]).toBeGreaterThanOrEqual(expectedByMiner.get(`cm${i}`) ?? 0);
    }

    // The books: every balance from postings, and the total is what was funded.
    const audit = (await admin.request<{ ok: boolean; funded: number; held: number }>("GET", "/v1/admin/audit")).body;
    expect(audit).toMatchObject({ ok: true, funded, held: funded });
    await current.kill("SIGTERM");
    current = undefined;
    const ledger = await openLedger({ store: "sqlite", path: `${dir.path}/coordinator.db` });
    try {
      expect((await ledger.verify("coordinator")).ok).toBe(true);
    } finally {
      await ledger.close();
    }
  }, 180_000); // ten restarts: on a loaded machine each start takes seconds
});
