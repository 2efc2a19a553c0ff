import { describe, expect, it } from "vitest";
import { exampleCommands, type StackFacts, summaryJson, summaryText } from "./up-summary.ts";

const facts: StackFacts = {
  dataDir: "/srv/data",
  storage: "sqlite",
  urls: {
    dashboard: "http://127.0.0.1:8090",
    coordinator: "http://127.0.0.1:8080",
    agent: "http://127.0.0.1:8001",
    fleet: "http://127.0.0.1:3001",
  },
  loginCode: "ABCD-EFGH",
  keys: {
    coordinatorAdmin: "ph_admin_a",
    coordinatorClient: "ph_client_c",
    clientWallet: "up-client",
    agent: "agent-key",
    fleetOperator: "default",
    fleetSecret: "s3cret",
  },
  fleetSecretFile: "/srv/data/fleet-operator.secret",
  miner: { id: "up-miner-1", workloads: ["llm_gen"] },
  simulatedMiners: 36,
  logsDir: "/srv/data/logs",
};

describe("what pithead up prints", () => {
  it("says where to open the dashboard, the login code, every URL and key, and how to stop", () => {
    const text = summaryText(facts);
    for (const expected of [
      "Dashboard     http://127.0.0.1:8090",
      "Login code    ABCD-EFGH",
      "ph_admin_a",
      "ph_client_c",
      "agent-key",
      "/srv/data/fleet-operator.secret",
      "Ctrl-C",
      "/srv/data/logs",
    ]) {
      expect(text).toContain(expected);
    }
    // The fleet secret itself stays in its file: the example reads it from there.
    expect(text).not.toContain("s3cret");
  });

  it("gives the four example commands with this stack's URLs and keys", () => {
    const [submit, complete, cycle, verify] = exampleCommands(facts).map((example) => example.command);
    expect(submit).toContain("POST http://127.0.0.1:8080/v1/jobs");
    expect(submit).toContain("Authorization: Bearer ph_client_c");
    expect(JSON.parse(/-d '(.*)'$/.exec(submit ?? "")?.[1] ?? "")).toMatchObject({ workload: "llm_gen", reward: 1000 });
    expect(complete).toContain("http://127.0.0.1:8001/complete");
    expect(complete).toContain("X-API-Key: agent-key");
    expect(cycle).toBe(
      "npx pithead fleet cycle --url http://127.0.0.1:3001 --operator default --secret-file /srv/data/fleet-operator.secret",
    );
    expect(verify).toBe(
      'npx pithead ledger verify http://127.0.0.1:8080 --header "Authorization: Bearer ph_admin_a" --key-file /srv/data/coordinator/ledger.key',
    );
  });

  it("says the same to scripts as JSON", () => {
    expect(summaryJson(facts)).toMatchObject({
      status: "running",
      loginCode: "ABCD-EFGH",
      urls: facts.urls,
      examples: exampleCommands(facts),
    });
  });
});
