// Agent: the agent's own test console (served by the agent at /ui), framed through the proxy so
// it is same-origin with the dashboard. The key is handed over through the console's own key
// field, so it never appears in a URL.

import { useRef, useState } from "react";
import { Notice } from "../components/notice.tsx";
import { useApp } from "../session/app-context.tsx";

export function AgentPage() {
  const { server, connections } = useApp();
  const frame = useRef<HTMLIFrameElement>(null);
  const [handedOver, setHandedOver] = useState<boolean | null>(null);
  if (!server.services.agent)
    return (
      <Notice tone="warn">This dashboard was started without an agent API (pass --agent URL to `pithead web`).</Notice>
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
        <span className="muted">the agent's own console: the seven components, history and playbook</span>
      </div>
      {!key && (
        <Notice tone="warn">
          No agent API key in this tab: type it into the console's key field, or add it on Connections.
        </Notice>
      )}
      {handedOver === false && (
        <Notice tone="warn">The console did not take the key automatically: type it into its key field.</Notice>
      )}
      <iframe ref={frame} className="agent-frame" title="Agent test console" src="/svc/agent/ui" onLoad={onLoad} />
    </section>
  );
}
