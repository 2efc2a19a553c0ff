// Follows a server-sent event stream for as long as the component shows it.

import { useEffect, useRef, useState } from "react";
import { followEvents, type ServerEvent, type StreamState } from "../api/sse.ts";

export function useEventStream(
  url: string | null,
  headers: Record<string, string>,
  onEvent: (event: ServerEvent) => void,
  options: { endOnClose?: boolean } = {},
): { state: StreamState; detail?: string } {
  const [status, setStatus] = useState<{ state: StreamState; detail?: string }>({ state: "closed" });
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const headerKey = JSON.stringify(headers);
  // biome-ignore lint/correctness/useExhaustiveDependencies: headers are compared by value (headerKey)
  useEffect(() => {
    if (!url) return;
    const controller = new AbortController();
    void followEvents({
      url,
      headers,
      signal: controller.signal,
      endOnClose: options.endOnClose,
      onEvent: (event) => handler.current(event),
      onState: (state, detail) => setStatus({ state, detail }),
    });
    return () => controller.abort();
  }, [url, headerKey, options.endOnClose]);
  return status;
}

export function LiveLabel({ state, detail }: { state: StreamState; detail?: string }) {
  const text =
    state === "open"
      ? "live"
      : state === "connecting"
        ? "connecting…"
        : state === "retrying"
          ? `reconnecting (${detail ?? "dropped"})`
          : `not live${detail ? ` (${detail})` : ""}`;
  return (
    <span className={`live live-${state}`} role="status" aria-live="polite">
      <span aria-hidden="true">●</span> Updates: {text}
    </span>
  );
}
