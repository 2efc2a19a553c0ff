// Server-sent events over fetch, so the stream can carry the service's Authorization header
// (EventSource cannot send headers, and keys never go into URLs). The parser is the WHATWG
// event-stream format: `event:`, `data:` (joined by newlines), `id:`, comments, blank line ends an
// event. The connection is reopened with backoff until the caller aborts.

export interface ServerEvent {
  event: string;
  data: string;
  id: string | undefined;
}

export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];
  private id: string | undefined;

  /** Feeds decoded text; returns the events it completed. */
  push(text: string): ServerEvent[] {
    this.buffer += text;
    const events: ServerEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      const line = this.buffer.slice(0, match.index);
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (match[0] === "\r" && match.index === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(match.index + match[0].length);
      if (line === "") {
        if (this.data.length > 0)
          events.push({ event: this.event || "message", data: this.data.join("\n"), id: this.id });
        this.event = "";
        this.data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") this.event = value;
      else if (field === "data") this.data.push(value);
      else if (field === "id" && !value.includes("\0")) this.id = value;
    }
    return events;
  }
}

export type StreamState = "connecting" | "open" | "retrying" | "closed";

export interface StreamOptions {
  url: string;
  headers: Record<string, string>;
  signal: AbortSignal;
  onEvent: (event: ServerEvent) => void;
  onState?: (state: StreamState, detail?: string) => void;
  /** Stop instead of reconnecting when the server ends the stream (a finished job's events). */
  endOnClose?: boolean;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** Reads the stream until `signal` aborts; reconnects after drops with backoff (1 s … 30 s). */
export async function followEvents(options: StreamOptions): Promise<void> {
  let delay = 1000;
  while (!options.signal.aborted) {
    options.onState?.("connecting");
    try {
      const response = await fetch(options.url, {
        headers: { accept: "text/event-stream", ...options.headers },
        signal: options.signal,
        cache: "no-store",
      });
      if (!response.ok || !response.body) {
        // A refused key will be refused again: say so and stop.
        if (response.status === 401 || response.status === 403 || response.status === 404) {
          options.onState?.("closed", `HTTP ${response.status}`);
          return;
        }
        throw new Error(`HTTP ${response.status}`);
      }
      options.onState?.("open");
      delay = 1000;
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(value)) options.onEvent(event);
      }
      if (options.endOnClose) {
        options.onState?.("closed");
        return;
      }
    } catch (error) {
      if (options.signal.aborted) break;
      options.onState?.("retrying", error instanceof Error ? error.message : String(error));
    }
    await sleep(delay, options.signal);
    delay = Math.min(delay * 2, 30_000);
  }
  options.onState?.("closed");
}
