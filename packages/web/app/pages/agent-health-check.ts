// What "Test connections" says of the agent from its public /health: up and healthy, or up but
// unable to answer (its model backend down, refusing the key, not serving the model), with the
// agent's own (generic) reason. Answering /health is not being healthy.

export interface AgentHealth {
  status?: string;
  model?: string;
  llm?: { status?: string; detail?: string };
}

export function agentHealthCheck(health: AgentHealth): { ok: boolean; detail: string } {
  const model = `model ${health.model ?? "?"}`;
  if (health.status === "healthy" && health.llm?.status !== "failing") return { ok: true, detail: `up, ${model}` };
  const why = health.llm?.detail ?? `LLM backend ${health.llm?.status ?? "unknown"}`;
  return { ok: false, detail: `up but ${health.status ?? "not healthy"} (${model}): ${why}` };
}
