// "Test connections" on an agent that answers /health but cannot answer requests.
import { describe, expect, it } from "vitest";
import { agentHealthCheck } from "../app/pages/agent-health-check.ts";

describe("the connections page's agent check", () => {
  it("is a failure, with the agent's reason, when /health says unhealthy", () => {
    const check = agentHealthCheck({
      status: "unhealthy",
      model: "fake-model",
      llm: { status: "failing", detail: "LLM backend failed: HTTP 500" },
    });
    expect(check).toEqual({ ok: false, detail: "up but unhealthy (model fake-model): LLM backend failed: HTTP 500" });
  });

  it("is a success only when the agent and its model backend are healthy", () => {
    expect(agentHealthCheck({ status: "healthy", model: "m", llm: { status: "ok" } })).toEqual({
      ok: true,
      detail: "up, model m",
    });
    expect(agentHealthCheck({ status: "degraded", model: "m", llm: { status: "unknown" } }).ok).toBe(false);
  });
});
