// A validated operator: who it is, its secret, its miners, its site and its policy.

import type { MinerEndpoint } from "../cgminer/adapter.ts";
import type { Mode, Policy, Site } from "../core/policy.ts";

export interface OperatorConfig {
  /** [A-Za-z0-9._-]+, used in routes and as the ledger partition fleet/<id>. */
  id: string;
  label: string;
  mode: Mode;
  /** HMAC secret for signed requests; null only when auth is disabled. */
  secret: string | null;
  dryRun: boolean;
  miners: MinerEndpoint[];
  site: Site;
  policy: Policy;
}
