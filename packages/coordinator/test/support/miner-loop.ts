// A miner driven by the test: claims (long-poll), proves what it got, repeats until told to stop.
// It records every job it was handed, so a test can check no job went to two miners.
import { CoordinatorApiError, type CoordinatorClient } from "../../src/client.ts";
import type { ClaimResponse, ProofResponse } from "../../src/schemas/index.ts";
import { sha256 } from "./coordinator.ts";

export interface MinerLoop {
  minerId: string;
  handed: string[];
  proved: Map<string, ProofResponse>;
  stop(): Promise<void>;
}

export function runMiner(
  client: CoordinatorClient,
  minerId: string,
  options: { maxJobs?: number; waitS?: number } = {},
): MinerLoop {
  let stopping = false;
  const handed: string[] = [];
  const proved = new Map<string, ProofResponse>();
  const loop = (async () => {
    while (!stopping) {
      let claimed: ClaimResponse;
      try {
        claimed = (
          await client.request<ClaimResponse>("POST", "/v1/miner/claim", {
            body: { miner_id: minerId, max_jobs: options.maxJobs ?? 2, wait_s: options.waitS ?? 1 },
          })
        ).body;
      } catch (error) {
        if (!(error instanceof CoordinatorApiError)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      for (const job of claimed.jobs) {
        handed.push(job.id);
        const answer = await client.request<ProofResponse>("POST", "/v1/miner/proof", {
          body: { id: job.id, output_sha: sha256(job.id), metrics: {}, lease_token: job.lease_token },
        });
        proved.set(job.id, answer.body);
      }
    }
  })();
  return {
    minerId,
    handed,
    proved,
    async stop() {
      stopping = true;
      await loop;
    },
  };
}
