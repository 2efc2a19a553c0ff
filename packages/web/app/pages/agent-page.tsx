// Agent: what the agent is doing for the network (the Activity panel: its /metrics and /health,
// read with this tab's key), then the agent's own test console (served by the agent at /ui), framed through the proxy so
// it is same-origin with the dashboard. The key is handed over through the console's own key
// field, so it never appears in a URL. The agent's /health is asked first: a console that cannot
// load is the agent being down, not a key the console refused.

import { useRef, useState } from "react";
import { ApiError, callJson, errorDetail, serviceUrl } from "../api/http.ts";
import { Loading, Notice } from "../components/notice.tsx";
import { useLoad } from "../lib/use-load.ts";
import { useApp } from "../session/app-context.tsx";
import { ActivityPanel } from "./agent/activity-panel.tsx";

function AgentDown({ url, error, onRetry }: { url: string; error: unknown; onRetry: () => void }) {
  // The proxy's 502/504 already says "not answering" and why; any other answer is the agent's own.
  const unreachable = error instanceof ApiError && (error.status === 0 || error.status === 502 || error.status === 504);
  const reason = error instanceof ApiError && unreachable ? error.message.replace(/^.*is not answering:\s*/, "") : "";
  return (
    <div className="notice notice-error" role="alert">
      <strong>
        Agent API ({url}) {unreachable ? "is not answering" : "answered its health check with an error"}
      </strong>
      {unreachable ? (reason ? ` (${reason})` : "") : `: ${errorDetail(error)}`}. Start it (or check the URL given to
      --agent), then{" "}
      <button type="button" className="link-button" onClick={onRetry}>
        try again
      </button>
      .
    </div>
  );
}

export function AgentPage() {
  const { server, connections } = useApp();
  const agent = server.services.agent;
  const frame = useRef<HTMLIFrameElement>(null);
  const [handedOver, setHandedOver] = useState<boolean | null>(null);
  const health = useLoad(
    agent ? (signal) => callJson<unknown>("agent", serviceUrl("agent", "/health"), { signal }) : null,
    [agent?.url],
  );
  if (!agent)
    return (
      <Notice tone="warn">
        This dashboard was started without an agent API (pass <code>--agent URL</code> to <code>pithead web</code>).
      </Notice>
    );
  const key = connections.agent.apiKey;

  const onLoad = () => {
    if (!key) return;
    try {
      // Same origin through the proxy, so the console's own DOM is reachable. Its elements belong
      // to the frame's window: compare tag names, not classes of this window.
      const page = frame.current?.contentDocument;
      const input = page?.getElementById("api-key") as HTMLInputElement | null | undefined;
      const form = page?.getElementById("key-form") as HTMLFormElement | null | undefined;
      if (input?.tagName !== "INPUT" || form?.tagName !== "FORM") {
        setHandedOver(false);
        return;
      }
      input.value = key;
      form.requestSubmit();
      setHandedOver(true);
    } catch {
      setHandedOver(false);
    }
  };

  return (
    <section className="agent-page">
      <div className="page-head">
        <h1>Agent</h1>
        <span className="muted">its activity for the network, and its own console</span>
      </div>
      {health.error !== undefined && !health.loading ? (
        <AgentDown url={agent.url} error={health.error} onRetry={health.reload} />
      ) : !health.data ? (
        <Loading what="the agent API" />
      ) : (
        <>
          <ActivityPanel agentKey={key} />
          <h2>Console</h2>
          <p className="muted">The agent's own console: the seven components, history and playbook.</p>
          {!key && (
            <Notice tone="warn">
              No agent API key in this tab: type it into the console's key field, or add it on Connections.
            </Notice>
          )}
          {handedOver === false && (
            <Notice tone="warn">The console did not take the key automatically: type it into its key field.</Notice>
          )}
          {/* Keyed by the key: a key changed or forgotten loads the console afresh, never one still holding the old. */}
          <iframe
            key={key}
            ref={frame}
            className="agent-frame"
            title="Agent test console"
            src="/svc/agent/ui"
            onLoad={onLoad}
          />
        </>
      )}
    </section>
  );
}
