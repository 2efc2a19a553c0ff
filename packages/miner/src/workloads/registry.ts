// The workloads a miner knows, built from its config. Which of them it offers is decided at
// start by each one's detect() (and WORKLOADS, when the operator narrows the list).

import type { MinerConfig } from "../config/load-config.ts";
import { MinerConfigError } from "../config/load-config.ts";
import { KNOWN_WORKLOADS } from "./known.ts";
import { LlmGenWorkload } from "./llm-gen.ts";
import { SdInferWorkload } from "./sd-infer.ts";
import { TorchBenchWorkload } from "./torch-bench.ts";
import type { Workload } from "./workload.ts";

export { KNOWN_WORKLOADS };

export function createWorkloads(config: MinerConfig): Workload[] {
  const all: Workload[] = [
    new LlmGenWorkload({
      provider: config.llm.provider,
      model: config.llm.model,
      baseUrl: config.llm.baseUrl,
      apiKey: config.llm.apiKey,
      contextSize: config.llm.contextSize,
      dataDir: config.workDir,
      parallel: config.maxConcurrency,
    }),
    new TorchBenchWorkload(config.torchPython),
    new SdInferWorkload(config.sdUrl),
  ];
  if (config.workloads === undefined) return all;
  // loadMinerConfig refuses these already; a config built in code is checked here.
  for (const name of config.workloads) {
    if (!(KNOWN_WORKLOADS as readonly string[]).includes(name)) {
      throw new MinerConfigError(
        "WORKLOADS",
        `WORKLOADS names unknown workload ${JSON.stringify(name)}; known: ${KNOWN_WORKLOADS.join(", ")}`,
      );
    }
  }
  return all.filter((workload) => config.workloads?.includes(workload.name));
}
