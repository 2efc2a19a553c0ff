// The workloads a miner knows by name: what WORKLOADS may list (checked with the rest of the
// configuration, before anything is written) and what the registry builds.

export const KNOWN_WORKLOADS = ["llm_gen", "torch_bench", "sd_infer"] as const;
