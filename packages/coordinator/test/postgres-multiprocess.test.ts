// Acceptance: two coordinator processes on one PostgreSQL database, 50 miners long-polling both at
// once while jobs are submitted to both. No job is ever leased to two miners, none is lost, and the
// books balance. Long-polls on one process wake for jobs submitted on the other (LISTEN/NOTIFY).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import { afterAll, describe, expect, it } from "vitest";
import { CoordinatorClient } from "../src/client.ts";
import type { JobView } from "../src/schemas/index.ts";
import { migratePostgresStore } from "../src/store/postgres/store.ts";
import { type MinerLoop, runMiner } from "./support/miner-loop.ts";
import { type CoordinatorProcess, spawnCoordinator } from "./support/process.ts";

const MINERS = 50;
const JOBS = 200;
const REWARD = 1_000;
const adminKey = `ph_admin_0123456789ab_${"k".repeat(43)}`;

describe("two coordinator processes on one PostgreSQL database", () => {
  const processes: CoordinatorProcess[] = [];
  const data = mkdtempSync(join(tmpdir(), "pithead-multi-"));
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill("SIGTERM")));
    rmSync(data, { recursive: true, force: true });
  });

  it("lease every job to exactly one of 50 miners, lose none, and balance the books", async () => {
    await using db = await pgTestDatabase("coordinator", migratePostgresStore);
    const env = { PITHEAD_ADMIN_KEY: adminKey };
    processes.push(...(await Promise.all([0, 1].map(() => spawnCoordinator({ db: db.url, port: "0", data }, env)))));
    const [a, b] = processes.map((p) => new CoordinatorClient(p.url, adminKey));
    if (!a || !b) throw new Error("two coordinators expected");

    const client = await a.createKey({ role: "client", wallet: "multi_client" });
    await b.fund("multi_client", JOBS * REWARD);
    const miners: MinerLoop[] = [];
    for (let i = 0; i < MINERS; i++) {
      const admin = i % 2 === 0 ? a : b;
      const key = await admin.createKey({ role: "miner" });
      const api = new CoordinatorClient(processes[i % 2]?.url ?? "", key.key ?? "");
      await api.request("POST", "/v1/miner/heartbeat", {
        body: { miner_id: `m${i}`, wallet: `w${i}`, mode: "cpu", gpu: 0 },
      });
      miners.push(runMiner(api, `m${i}`, { maxJobs: 2, waitS: 2 }));
    }

    const submitters = [
      new CoordinatorClient(processes[0]?.url ?? "", client.key ?? ""),
      new CoordinatorClient(processes[1]?.url ?? "", client.key ?? ""),
    ];
    const submitted: string[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, lane) => {
        for (let i = lane; i < JOBS; i += 10) {
          const job = await submitters[i % 2]?.submit({
            workload: "torch_bench",
            reward: REWARD,
            params: { iters: i + 1 },
          });
          if (job) submitted.push(job.id);
        }
      }),
    );

    const done = async () => {
      const stats = (await a.request<{ jobs: Record<string, number> }>("GET", "/v1/admin/stats")).body;
      return stats.jobs.COMPLETED === JOBS;
    };
    for (let i = 0; i < 600 && !(await done()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    await Promise.all(miners.map((miner) => miner.stop()));

    // Every job handed out once, to one miner, and completed by it.
    const handed = miners.flatMap((miner) => miner.handed.map((id) => [id, miner.minerId] as const));
    const owners = new Map<string, string[]>();
    for (const [id, minerId] of handed) owners.set(id, [...(owners.get(id) ?? []), minerId]);
    expect([...owners.values()].filter((list) => list.length > 1)).toEqual([]);
    expect(new Set(owners.keys())).toEqual(new Set(submitted));
    // Miners of both processes got work (wake-ups cross processes), many of them at once.
    const busy = miners.filter((miner) => miner.handed.length > 0);
    expect(busy.length).toBeGreaterThan(10);
    expect(busy.some((miner) => Number(miner.minerId.slice(1)) % 2 === 0)).toBe(true);
    expect(busy.some((miner) => Number(miner.minerId.slice(1)) % 2 === 1)).toBe(true);

    for (const id of submitted.slice(0, 50)) {
      const job = (await a.request<JobView>("GET", `/v1/jobs/${id}`)).body;
      expect(job.state).toBe("COMPLETED");
      expect(job.leases).toHaveLength(1);
      expect(job.leases?.[0]?.miner_id).toBe(owners.get(id)?.[0]);
    }
    const audit = (await b.request<{ ok: boolean; funded: number; held: number }>("GET", "/v1/admin/audit")).body;
    expect(audit).toMatchObject({ ok: true, funded: JOBS * REWARD, held: JOBS * REWARD });
    const paid = miners.reduce(
      (total, miner) => total + [...miner.proved.values()].reduce((sum, p) => sum + p.credited, 0),
      0,
    );
    expect(paid).toBe(JOBS * (REWARD - 10));
  });
});
