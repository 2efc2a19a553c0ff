// What `pithead up` prints once everything runs: where to open it, the login code, the keys, and
// commands to try. Pure: the same facts as text for people and as JSON for scripts (`--json`).

export interface StackFacts {
  dataDir: string;
  storage: "sqlite" | "postgres";
  urls: { dashboard: string; coordinator: string; agent: string; fleet: string };
  loginCode: string;
  keys: {
    coordinatorAdmin: string;
    coordinatorClient: string;
    clientWallet: string;
    agent: string;
    fleetOperator: string;
    fleetSecret: string;
  };
  fleetSecretFile: string;
  miner: { id: string; workloads: string[] };
  simulatedMiners: number;
  logsDir: string;
}

export function exampleCommands(facts: StackFacts): { title: string; command: string }[] {
  const { urls, keys } = facts;
  return [
    {
      title: "Submit an llm_gen job (paid from the client wallet)",
      command: `curl -s -X POST ${urls.coordinator}/v1/jobs -H "Authorization: Bearer ${keys.coordinatorClient}" -H "Content-Type: application/json" -d '{"workload":"llm_gen","params":{"prompt":"abc","max_tokens":8},"reward":1000}'`,
    },
    {
      title: "Call the agent's /complete",
      command: `curl -s -X POST ${urls.agent}/complete -H "X-API-Key: ${keys.agent}" -H "Content-Type: application/json" -d '{"cid":"demo","task":"Continue the alphabet","input":[{"user_query":"abc"}]}'`,
    },
    {
      title: "Run a fleet cycle (a signed request)",
      command: `npx pithead fleet cycle --url ${urls.fleet} --operator ${keys.fleetOperator} --secret-file ${facts.fleetSecretFile}`,
    },
    {
      title: "Verify the coordinator's evidence ledger end to end",
      // With the coordinator's own key file: checked against the key it signs with, not the one the
      // export carries (which alone proves nothing about who signed).
      command: `npx pithead ledger verify ${urls.coordinator} --header "Authorization: Bearer ${keys.coordinatorAdmin}" --key-file ${facts.dataDir}/coordinator/ledger.key`,
    },
  ];
}

export function summaryJson(facts: StackFacts): Record<string, unknown> {
  return { status: "running", ...facts, examples: exampleCommands(facts) };
}

export function summaryText(facts: StackFacts): string {
  const { urls, keys } = facts;
  const lines = [
    "",
    "Pithead is running.",
    "",
    `  Dashboard     ${urls.dashboard}`,
    `  Login code    ${facts.loginCode}   (the dashboard asks for it; it changes on every start)`,
    "",
    `  Coordinator   ${urls.coordinator}   (OpenAPI at ${urls.coordinator}/docs)`,
    `  Agent API     ${urls.agent}   (its console at ${urls.agent}/ui)`,
    `  Fleet         ${urls.fleet}   (${facts.simulatedMiners} simulated miners)`,
    `  Compute miner ${facts.miner.id}, offering ${facts.miner.workloads.join(", ") || "nothing"}`,
    "",
    `Keys (also in ${facts.dataDir}/keys.json, mode 600):`,
    `  coordinator admin   ${keys.coordinatorAdmin}`,
    `  coordinator client  ${keys.coordinatorClient}   (wallet ${keys.clientWallet})`,
    `  agent API key       ${keys.agent}`,
    `  fleet operator      ${keys.fleetOperator}, secret in ${facts.fleetSecretFile}`,
    "",
    "Try:",
    ...exampleCommands(facts).flatMap((example) => [`  # ${example.title}`, `  ${example.command}`]),
    "",
    `Data in ${facts.dataDir} (${facts.storage === "postgres" ? "PostgreSQL for the databases and ledgers" : "SQLite"}), logs in ${facts.logsDir}.`,
    "Press Ctrl-C to stop: the miner finishes or gives back its jobs, then every service closes and flushes its ledger.",
    "",
  ];
  return lines.join("\n");
}
