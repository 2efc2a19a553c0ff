// Connections: which services sit behind this dashboard, and the keys this tab calls them with.
// For services deployed separately (`pithead web --coordinator URL …`) the keys are typed here;
// after `pithead up` the login code filled them in. "Test" calls each service with its key.

import { type FormEvent, useId, useState } from "react";
import { coordinator } from "../api/coordinator.ts";
import { fleet } from "../api/fleet.ts";
import { callJson, errorDetail, serviceUrl } from "../api/http.ts";
import { Notice } from "../components/notice.tsx";
import { navigate } from "../lib/router.tsx";
import { useApp } from "../session/app-context.tsx";
import {
  type Connections,
  connectionsProblem,
  type FleetCredential,
  normaliseConnections,
} from "../session/connections.ts";
import { checkCoordinatorKey } from "../session/key-role.ts";
import { type AgentHealth, agentHealthCheck } from "./agent-health-check.ts";

interface TestResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** "version 0.1.0 (commit 1e08840c0a1b)": the commit tells builds apart, the version does not. */
function build(health: { version?: string; commit?: string }): string {
  return `version ${health.version ?? "?"}${health.commit ? ` (commit ${health.commit})` : ""}`;
}

async function testConnections(
  connections: Connections,
  services: ReturnType<typeof useApp>["server"]["services"],
): Promise<TestResult[]> {
  const results: TestResult[] = [];
  const probe = async (name: string, run: () => Promise<string>) => {
    try {
      results.push({ name, ok: true, detail: await run() });
    } catch (error) {
      results.push({ name, ok: false, detail: errorDetail(error) });
    }
  };
  if (services.coordinator) {
    await probe("Coordinator", async () => `up, ${build(await coordinator.health())}`);
    // Each key is checked for its field's role, not only accepted: a miner key passes routes
    // every role may call and would fail only when a job is submitted.
    if (connections.coordinator.adminKey)
      await probe("Coordinator admin key", () => checkCoordinatorKey("admin", connections.coordinator.adminKey));
    if (connections.coordinator.clientKey)
      await probe("Coordinator client key", () => checkCoordinatorKey("client", connections.coordinator.clientKey));
  }
  if (services.fleet) {
    await probe("Fleet controller", async () => {
      const health = await fleet.health();
      const operators = health.operators?.length ?? 0;
      return `up, ${build(health)}, ${operators} ${operators === 1 ? "operator" : "operators"}`;
    });
    for (const operator of connections.fleet.operators) {
      await probe(
        `Fleet operator ${operator.id}`,
        async () => `signed requests accepted: ${(await fleet.miners(operator)).count} miners`,
      );
    }
  }
  if (services.agent) {
    await probe("Agent API", async () => {
      const check = agentHealthCheck(await callJson<AgentHealth>("agent", serviceUrl("agent", "/health")));
      if (!check.ok) throw new Error(check.detail);
      return check.detail;
    });
    if (connections.agent.apiKey) {
      await probe("Agent API key", async () => {
        await callJson("agent", serviceUrl("agent", "/conversations"), {
          headers: { "x-api-key": connections.agent.apiKey },
        });
        return "accepted";
      });
    }
  }
  return results;
}

function SecretField({
  label,
  value,
  onChange,
  hint,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
}) {
  const id = useId();
  const [shown, setShown] = useState(false);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="row">
        <input
          id={id}
          type={shown ? "text" : "password"}
          autoComplete="off"
          spellCheck={false}
          value={value}
          onChange={(event) => onChange(event.target.value)}
          aria-describedby={hint ? `${id}-hint` : undefined}
        />
        <button
          type="button"
          onClick={() => setShown(!shown)}
          aria-pressed={shown}
          aria-label={`${shown ? "Hide" : "Show"} ${label.toLowerCase()}`}
        >
          {shown ? "Hide" : "Show"}
        </button>
      </div>
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}

export function ConnectionsPage({ intro = false }: { intro?: boolean }) {
  const { server, connections, setConnections } = useApp();
  const [draft, setDraft] = useState<Connections>(connections);
  const [saved, setSaved] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [testing, setTesting] = useState(false);
  const [results, setResults] = useState<TestResult[] | null>(null);
  const services = server.services;

  const update = (change: (copy: Connections) => void) => {
    const copy = structuredClone(draft);
    change(copy);
    setDraft(copy);
    setSaved(false);
    setProblem(null);
  };
  const setOperator = (index: number, patch: Partial<FleetCredential>) =>
    update((copy) => Object.assign(copy.fleet.operators[index] as FleetCredential, patch));

  const save = (event: FormEvent) => {
    event.preventDefault();
    const wrong = connectionsProblem(draft);
    setProblem(wrong);
    if (wrong) {
      setSaved(false);
      return;
    }
    const next = normaliseConnections({ ...draft, fleet: { operators: draft.fleet.operators } }, "manual");
    setConnections(next);
    setDraft({ ...next, fleet: { operators: next.fleet.operators } });
    setSaved(true);
  };

  const test = async () => {
    setTesting(true);
    setResults(await testConnections(normaliseConnections(draft, draft.source), services));
    setTesting(false);
  };

  return (
    <section>
      <h1>Connections</h1>
      {intro && (
        <Notice>
          Enter the keys of the services below to start. They stay in this browser tab only and are sent to each service
          as its own auth header.
        </Notice>
      )}
      {connections.source === "login-code" && !intro && (
        <Notice tone="ok">
          These keys came with the login code of <code>pithead up</code>. They stay in this tab only.
        </Notice>
      )}

      <h2>Services</h2>
      <ul className="service-list">
        {(["coordinator", "fleet", "agent"] as const).map((name) => (
          <li key={name}>
            <strong>
              {name === "coordinator" ? "Coordinator" : name === "fleet" ? "Fleet controller" : "Agent API"}
            </strong>
            :{" "}
            {services[name] ? (
              <>
                <code>{services[name].url}</code> <span className="muted">(reached through /svc/{name})</span>
              </>
            ) : (
              <span className="muted">not configured on this dashboard (start it with --{name} URL)</span>
            )}
          </li>
        ))}
      </ul>

      <form onSubmit={save} className="stack" aria-label="Keys">
        <fieldset disabled={!services.coordinator}>
          <legend>Coordinator</legend>
          <SecretField
            label="Admin key"
            value={draft.coordinator.adminKey}
            onChange={(value) => update((copy) => (copy.coordinator.adminKey = value))}
            hint="Queue, miners, wallets and the ledger (Bearer key with the admin role)."
          />
          <SecretField
            label="Client key"
            value={draft.coordinator.clientKey}
            onChange={(value) => update((copy) => (copy.coordinator.clientKey = value))}
            hint="Submits jobs, paid from its wallet (Bearer key with the client role)."
          />
        </fieldset>
        <fieldset disabled={!services.fleet}>
          <legend>Fleet operators</legend>
          <p className="hint">
            Requests are signed in this browser with the operator's secret (HMAC-SHA256); the secret itself is never
            sent.
          </p>
          {draft.fleet.operators.map((operator, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; the index is their identity
            <div className="operator-row" key={index}>
              <div className="field">
                <label htmlFor={`operator-id-${index}`}>Operator id</label>
                <input
                  id={`operator-id-${index}`}
                  value={operator.id}
                  autoComplete="off"
                  onChange={(event) => setOperator(index, { id: event.target.value })}
                />
              </div>
              <SecretField
                label="Operator secret"
                value={operator.secret}
                onChange={(value) => setOperator(index, { secret: value })}
              />
              <button
                type="button"
                onClick={() => update((copy) => copy.fleet.operators.splice(index, 1))}
                aria-label={`Remove operator ${operator.id || index + 1}`}
              >
                Remove
              </button>
            </div>
          ))}
          <button type="button" onClick={() => update((copy) => copy.fleet.operators.push({ id: "", secret: "" }))}>
            Add operator
          </button>
        </fieldset>
        <fieldset disabled={!services.agent}>
          <legend>Agent API</legend>
          <SecretField
            label="Agent API key"
            value={draft.agent.apiKey}
            onChange={(value) => update((copy) => (copy.agent.apiKey = value))}
            hint="Sent as X-API-Key by the agent's console on the Agent page."
          />
        </fieldset>
        <div className="row">
          <button type="submit" className="primary">
            Save keys for this tab
          </button>
          <button type="button" onClick={test} disabled={testing}>
            {testing ? "Testing…" : "Test connections"}
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              setConnections(null);
              // After `pithead up` forgetting is logging out: back to the login screen. Without a
              // login code there is none, and this page is where keys are typed again.
              if (server.loginCode) {
                navigate("/jobs", { replace: true });
                return;
              }
              setDraft({
                ...connections,
                coordinator: { adminKey: "", clientKey: "" },
                fleet: { operators: [] },
                agent: { apiKey: "" },
              });
              setResults(null);
              setProblem(null);
            }}
          >
            Forget keys
          </button>
        </div>
        <p className="hint" data-testid="forget-keys-hint">
          Forget keys logs out every open tab of this dashboard in this browser, not only this one.
        </p>
        {saved && <Notice tone="ok">Saved for this tab.</Notice>}
        {problem && (
          <div className="notice notice-error" role="alert">
            Not saved: {problem}
          </div>
        )}
      </form>

      {results && (
        <section aria-label="Connection test">
          <h2>Connection test</h2>
          <ul className="check-steps">
            {results.map((result) => (
              <li key={result.name} className={result.ok ? "step-ok" : "step-bad"}>
                <span aria-hidden="true">{result.ok ? "✔" : "✖"}</span> <strong>{result.name}</strong>{" "}
                <span className="muted">{result.detail}</span>
              </li>
            ))}
            {results.length === 0 && <li>No service to test: this dashboard was started without any.</li>}
          </ul>
        </section>
      )}
    </section>
  );
}
