export * from "./admin.ts";
export * from "./common.ts";
export * from "./jobs.ts";
export * from "./miner.ts";
