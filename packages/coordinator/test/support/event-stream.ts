// An event stream opened by a test over real HTTP: the events it delivered, and whether it ended.
import { readEventStream } from "../../src/client.ts";

export interface OpenStream {
  events: { event: string; data: unknown }[];
  /** Settles when the server ends the stream. */
  ended: Promise<void>;
  readonly isEnded: boolean;
  /** Closes it from the client side. */
  close(): Promise<void>;
}

/** Rejects if `promise` has not settled within `ms`: a bound on a hang, not a timing assertion. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

/** Opens `path` with `key`; resolves once its first event arrived (the stream is then fully open). */
export async function openStream(url: string, path: string, key: string): Promise<OpenStream> {
  const controller = new AbortController();
  const response = await fetch(url + path, {
    headers: { authorization: `Bearer ${key}` },
    signal: controller.signal,
  });
  if (response.status !== 200 || !response.body) {
    throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  }
  const events: OpenStream["events"] = [];
  let first: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    first = resolve;
  });
  let isEnded = false;
  const ended = readEventStream(response.body, (event) => {
    events.push(event);
    first();
  })
    .catch(() => {})
    .finally(() => {
      isEnded = true;
      first();
    });
  await within(opened, 10_000, `the first event of ${path}`);
  return {
    events,
    ended,
    get isEnded() {
      return isEnded;
    },
    async close() {
      controller.abort();
      await ended;
    },
  };
}
