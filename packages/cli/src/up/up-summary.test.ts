import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
  keysFile: "/srv/data/keys.json",
  loginCodeFile: "/srv/data/login-code",
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

  it("where stdout is a log, prints no key and no login code, only where they are; its examples read the keys from keys.json", () => {
    const dir = mkdtempSync(join(tmpdir(), "up-summary-"));
    try {
      const logged = { ...facts, keysFile: join(dir, "keys.json"), loginCodeFile: join(dir, "login-code") };
      writeFileSync(
        logged.keysFile,
        JSON.stringify({ coordinatorAdminKey: "ph_admin_a", agentApiKey: "agent-key", client: { key: "ph_client_c" } }),
      );
      const text = summaryText(logged, false);
      for (const secret of ["ph_admin_a", "ph_client_c", "agent-key", "s3cret", "ABCD-EFGH"]) {
        expect(text).not.toContain(secret);
      }
      expect(text).toContain(logged.keysFile);
      expect(text).toContain(logged.loginCodeFile);
      // Each example still works when pasted into a shell: its key comes out of keys.json.
      const [submit, complete, , verify] = exampleCommands(logged, false).map((example) => example.command);
      const expand = (command: string | undefined) =>
        execFileSync("bash", ["-c", `printf '%s' ${/\$\(node -p "[^"]*"\)/.exec(command ?? "")?.[0]}`], {
          encoding: "utf8",
        });
      expect(expand(submit)).toBe("ph_client_c");
      expect(expand(complete)).toBe("agent-key");
      expect(expand(verify)).toBe("ph_admin_a");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says the same to scripts as JSON on a terminal (or with --show-keys)", () => {
    expect(summaryJson(facts)).toMatchObject({
      status: "running",
      secretsShown: true,
      loginCode: "ABCD-EFGH",
      urls: facts.urls,
      examples: exampleCommands(facts),
    });
  });

  it("where stdout is a file or a log, the JSON holds no key and no login code either, only the files that hold them", () => {
    const json = summaryJson(facts, false);
    const text = JSON.stringify(json);
    for (const secret of ["ph_admin_a", "ph_client_c", "agent-key", "s3cret", "ABCD-EFGH"]) {
      expect(text).not.toContain(secret);
    }
    expect(json).toMatchObject({
      status: "running",
      secretsShown: false,
      keysFile: "/srv/data/keys.json",
      loginCodeFile: "/srv/data/login-code",
      fleetSecretFile: "/srv/data/fleet-operator.secret",
      keys: { clientWallet: "up-client", fleetOperator: "default" },
      keysFileFields: {
        coordinatorAdmin: "coordinatorAdminKey",
        coordinatorClient: "client.key",
        agent: "agentApiKey",
      },
      examples: exampleCommands(facts, false),
    });
    expect(json).not.toHaveProperty("loginCode");
    expect(String((json.examples as { command: string }[])[0]?.command)).toContain(
      `$(node -p "require('/srv/data/keys.json').client.key")`,
    );
  });
});
