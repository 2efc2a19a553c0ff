// The keys the dashboard calls the services with, kept in sessionStorage: gone when the tab
// closes, never in a URL, never sent to the dashboard server except as each service's own auth
// header through the proxy. Filled by the login code (`pithead up`) or typed on Connections.

export interface FleetCredential {
  id: string;
  secret: string;
}

export interface Connections {
  coordinator: { adminKey: string; clientKey: string };
  fleet: { operators: FleetCredential[] };
  agent: { apiKey: string };
  /** Where they came from, shown on the Connections page. */
  source: "login-code" | "manual";
}

export interface ServerInfo {
  loginCode: boolean;
  services: { coordinator: { url: string } | null; fleet: { url: string } | null; agent: { url: string } | null };
}

const STORAGE_KEY = "pithead-dashboard-connections";

export function emptyConnections(): Connections {
  return {
    coordinator: { adminKey: "", clientKey: "" },
    fleet: { operators: [] },
    agent: { apiKey: "" },
    source: "manual",
  };
}

const text = (value: unknown) => (typeof value === "string" ? value.trim() : "");

/** Anything (sessionStorage, the /session answer) read back into a well-formed Connections. */
export function normaliseConnections(value: unknown, source: Connections["source"]): Connections {
  const raw = (typeof value === "object" && value !== null ? value : {}) as {
    coordinator?: { adminKey?: unknown; clientKey?: unknown };
    fleet?: { operators?: unknown };
    agent?: { apiKey?: unknown };
  };
  const operators = Array.isArray(raw.fleet?.operators) ? raw.fleet.operators : [];
  return {
    coordinator: { adminKey: text(raw.coordinator?.adminKey), clientKey: text(raw.coordinator?.clientKey) },
    fleet: {
      operators: operators
        .map((entry) => ({
          id: text((entry as { id?: unknown })?.id),
          secret: text((entry as { secret?: unknown })?.secret),
        }))
        .filter((entry) => entry.id !== "" && entry.secret !== ""),
    },
    agent: { apiKey: text(raw.agent?.apiKey) },
    source,
  };
}

/** The fleet's own rule for an operator id (packages/fleet's idPattern). */
const OPERATOR_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * What is wrong with the keys typed on Connections, naming the field, or null. An operator row
 * with an id but no secret (or a secret but no id) would otherwise be dropped on save without a
 * word; a row left entirely empty is only a row added by mistake and is dropped.
 */
export function connectionsProblem(draft: Connections): string | null {
  const seen = new Set<string>();
  for (const [index, operator] of draft.fleet.operators.entries()) {
    const id = operator.id.trim();
    const secret = operator.secret.trim();
    if (id === "" && secret === "") continue;
    const which = id ? `Fleet operator ${id}` : `Fleet operator ${index + 1}`;
    if (id === "") return `${which}: Operator id is empty; enter the id its secret belongs to, or remove the row.`;
    if (!OPERATOR_ID.test(id))
      return `${which}: Operator id may only hold letters, digits, '.', '_' and '-' (up to 64).`;
    if (secret === "") return `${which}: Operator secret is empty; enter the operator's secret, or remove the row.`;
    if (seen.has(id)) return `${which}: listed twice; remove one of the rows.`;
    seen.add(id);
  }
  return null;
}

export function hasAnyKey(connections: Connections): boolean {
  return !!(
    connections.coordinator.adminKey ||
    connections.coordinator.clientKey ||
    connections.fleet.operators.length ||
    connections.agent.apiKey
  );
}

export function loadConnections(storage: Storage = sessionStorage): Connections | null {
  const stored = storage.getItem(STORAGE_KEY);
  if (!stored) return null;
  try {
    const parsed = JSON.parse(stored) as { source?: unknown };
    return normaliseConnections(parsed, parsed.source === "login-code" ? "login-code" : "manual");
  } catch {
    storage.removeItem(STORAGE_KEY);
    return null;
  }
}

export function saveConnections(connections: Connections, storage: Storage = sessionStorage): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(connections));
}

/**
 * Logging out: everything this tab keeps on the dashboard's origin goes, not only the dashboard's
 * own entry. The consoles it frames through the proxy (the agent's /ui) are same-origin, so they
 * share this storage and keep their own copy of a key there (the agent console's
 * `pithead-agent-api-key`); nothing else writes to it.
 */
export function forgetConnections(storage: Storage = sessionStorage): void {
  storage.clear();
}
