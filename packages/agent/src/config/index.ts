// @pithead/agent/config — the configuration loader alone (no server, no model, no stores).

export { DotenvError, parseDotenv } from "./dotenv.ts";
export {
  type AgentConfig,
  agentEnvironment,
  ConfigError,
  DEFAULT_RATE_LIMITS,
  type LoadConfigOptions,
  loadAgentConfig,
  RATE_LIMIT_GROUPS,
  type RateLimitGroup,
} from "./load-config.ts";
