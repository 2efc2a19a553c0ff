// Where API_KEY came from, in words an operator can act on: the message a miner stops with when
// the coordinator refuses its credentials names the place to fix.

import type { MinerConfig } from "./load-config.ts";

/**
 * `env`: the process environment (systemd sets INVOCATION_ID for a unit's process, whose
 * environment is the unit's EnvironmentFile).
 */
export function apiKeyOrigin(
  config: Pick<MinerConfig, "sources" | "configFile">,
  env: Record<string, string | undefined> = process.env,
): string {
  switch (config.sources.API_KEY) {
    case "flag":
      return "--api-key";
    case "file":
      return `API_KEY in ${config.configFile ?? "the config file"}`;
    case "env":
      return env.INVOCATION_ID
        ? "environment variable API_KEY (under systemd: the unit's EnvironmentFile, /etc/pithead/miner.conf by default)"
        : "environment variable API_KEY";
    default:
      return "API_KEY";
  }
}
