// What `pithead up` prints once everything runs: where to open it, the login code, the keys, and
// commands to try. Pure: the same facts as text for people and as JSON for scripts (`--json`).
// Keys are printed to a terminal only (or with --show-keys): where stdout is a log (systemd, a pipe
// to a file), the text and the JSON name keys.json instead and the examples read each key from it,
// so no secret lands in a log line or a file a script redirected.
import { resolve } from "node:path";

export interface StackFacts {
  dataDir: string;
  storage: "sqlite" | "postgres";
  urls: { dashboard: string; coordinator: string; agent: string; fleet: string };
  loginCode: string;
  /** <data>/login-code: the login code, for a stack whose output goes to a log. */
  loginCodeFile: string;
  keys: {
    coordinatorAdmin: string;
    coordinatorClient: string;
    clientWallet: string;
    agent: string;
    fleetOperator: string;
    fleetSecret: string;
  };
  fleetSecretFile: string;
  /** <data>/keys.json, where every key above is kept (mode 600). */
  keysFile: string;
  miner: { id: string; workloads: string[] };
  simulatedMiners: number;
  logsDir: string;
}

/** The keys as the examples use them: the keys themselves, or shell reads of keys.json. */
function keysForExamples(facts: StackFacts, reveal: boolean): { admin: string; client: string; agent: string } {
  if (reveal)
    return { admin: facts.keys.coordinatorAdmin, client: facts.keys.coordinatorClient, agent: facts.keys.agent };
  const read = (path: string) => `$(node -p "require('${resolve(facts.keysFile)}').${path}")`;
  return { admin: read("coordinatorAdminKey"), client: read("client.key"), agent: read("agentApiKey") };
}

export function exampleCommands(facts: StackFacts, reveal = true): { title: string; command: string }[] {
  const { urls } = facts;
  const keys = keysForExamples(facts, reveal);
  return [
    {
      title: "Submit an llm_gen job (paid from the client wallet)",
      command: `curl -s -X POST ${urls.coordinator}/v1/jobs -H "Authorization: Bearer ${keys.client}" -H "Content-Type: application/json" -d '{"workload":"llm_gen","params":{"prompt":"abc","max_tokens":8},"reward":1000}'`,
    },
    {
      title: "Call the agent's /complete",
      command: `curl -s -X POST ${urls.agent}/complete -H "X-API-Key: ${keys.agent}" -H "Content-Type: application/json" -d '{"cid":"demo","task":"Continue the alphabet","input":[{"user_query":"abc"}]}'`,
    },
    {
      title: "Run a fleet cycle (a signed request)",
      command: `npx pithead fleet cycle --url ${urls.fleet} --operator ${facts.keys.fleetOperator} --secret-file ${facts.fleetSecretFile}`,
    },
    {
      title: "Verify the coordinator's evidence ledger end to end",
      // With the coordinator's own key file: checked against the key it signs with, not the one the
      // export carries (which alone proves nothing about who signed).
      command: `npx pithead ledger verify ${urls.coordinator} --header "Authorization: Bearer ${keys.admin}" --key-file ${facts.dataDir}/coordinator/ledger.key`,
    },
  ];
}

/** Where each secret is kept in keys.json, for a script that was given the paths only. */
const KEYS_FILE_FIELDS = {
  coordinatorAdmin: "coordinatorAdminKey",
  coordinatorClient: "client.key",
  agent: "agentApiKey",
  fleetSecret: "fleet.secret",
};

/**
 * `reveal`: the keys and login code themselves (a terminal, or --show-keys), else, as the text
 * says, only the files that hold them and examples that read them from there.
 */
export function summaryJson(facts: StackFacts, reveal = true): Record<string, unknown> {
  if (reveal) return { status: "running", secretsShown: true, ...facts, examples: exampleCommands(facts) };
  const { loginCode: _code, keys, ...rest } = facts;
  return {
    status: "running",
    secretsShown: false,
    ...rest,
    keys: { clientWallet: keys.clientWallet, fleetOperator: keys.fleetOperator },
    keysFileFields: KEYS_FILE_FIELDS,
    examples: exampleCommands(facts, false),
  };
}

/** `reveal`: print the keys themselves (stdout is a terminal), else only where they are. */
export function summaryText(facts: StackFacts, reveal = true): string {
  const { urls, keys } = facts;
  const keyLines = reveal
    ? [
        `Keys (also in ${facts.keysFile}, mode 600):`,
        `  coordinator admin   ${keys.coordinatorAdmin}`,
        `  coordinator client  ${keys.coordinatorClient}   (wallet ${keys.clientWallet})`,
        `  agent API key       ${keys.agent}`,
        `  fleet operator      ${keys.fleetOperator}, secret in ${facts.fleetSecretFile}`,
      ]
    : [
        `Keys are in ${facts.keysFile} (mode 600); they are printed to a terminal only, not to a log.`,
        `  coordinator client wallet ${keys.clientWallet}; fleet operator ${keys.fleetOperator}, secret in ${facts.fleetSecretFile}`,
      ];
  const lines = [
    "",
    "Pithead is running.",
    "",
    `  Dashboard     ${urls.dashboard}`,
    reveal
      ? `  Login code    ${facts.loginCode}   (the dashboard asks for it; it changes on every start)`
      : `  Login code    in ${facts.loginCodeFile}   (the dashboard asks for it; it changes on every start)`,
    "",
    `  Coordinator   ${urls.coordinator}   (OpenAPI at ${urls.coordinator}/docs)`,
    `  Agent API     ${urls.agent}   (its console at ${urls.agent}/ui)`,
    `  Fleet         ${urls.fleet}   (${facts.simulatedMiners} simulated miners)`,
    `  Compute miner ${facts.miner.id}, offering ${facts.miner.workloads.join(", ") || "nothing"}`,
    "",
    ...keyLines,
    "",
    "Try:",
    ...exampleCommands(facts, reveal).flatMap((example) => [`  # ${example.title}`, `  ${example.command}`]),
    "",
    `Data in ${facts.dataDir} (${facts.storage === "postgres" ? "PostgreSQL for the databases and ledgers" : "SQLite"}), logs in ${facts.logsDir}.`,
    "Press Ctrl-C to stop: the miner finishes or gives back its jobs, then every service closes and flushes its ledger.",
    "",
  ];
  return lines.join("\n");
}
