// LISTEN/NOTIFY between coordinator processes on one database. Each write batch NOTIFYs its job
// events inside its transaction (PostgreSQL delivers them on commit, in commit order); every
// process LISTENs and hands other processes' events to its subscribers (SSE streams, the
// dispatcher's wake-ups). A notification is a nudge: the dispatcher also polls, so one lost while
// the listener reconnects delays a wake-up, it never loses a job.
import pg from "pg";
import type { JobEvent } from "../types.ts";

export const CHANNEL = "pithead_coordinator_events";
/** PostgreSQL caps a payload at 8000 bytes. */
const MAX_PAYLOAD = 7_500;

export interface NotificationPayload {
  /** The process that committed the events. */
  origin: string;
  events: JobEvent[];
}

/** Splits events into payloads that each fit a NOTIFY. */
export function payloads(origin: string, events: readonly JobEvent[]): string[] {
  const out: string[] = [];
  let chunk: JobEvent[] = [];
  for (const event of events) {
    const next = JSON.stringify({ origin, events: [...chunk, event] } satisfies NotificationPayload);
    if (next.length > MAX_PAYLOAD && chunk.length > 0) {
      out.push(JSON.stringify({ origin, events: chunk } satisfies NotificationPayload));
      chunk = [event];
    } else {
      chunk.push(event);
    }
  }
  if (chunk.length > 0) out.push(JSON.stringify({ origin, events: chunk } satisfies NotificationPayload));
  return out;
}

export interface Listener {
  close(): Promise<void>;
}

/** The wait before the first try to listen again after the connection was lost, and the longest. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

export async function listen(
  url: string,
  origin: string,
  onEvents: (events: JobEvent[]) => void,
  onError: (error: unknown) => void,
): Promise<Listener> {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  // Tries again, waiting longer each time, until the database takes the connection again (a
  // database restart or a network cut must not leave this process deaf for good).
  const reconnect = (delayMs: number): void => {
    if (closed) return;
    retry = setTimeout(() => {
      connect().catch((error: unknown) => {
        onError(error);
        reconnect(Math.min(delayMs * 2, RETRY_MAX_MS));
      });
    }, delayMs);
    retry.unref();
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on("notification", (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      try {
        const payload = JSON.parse(message.payload) as NotificationPayload;
        if (payload.origin !== origin) onEvents(payload.events);
      } catch (error) {
        onError(error);
      }
    });
    let lost = false;
    let connected = false;
    next.on("error", (error) => {
      if (lost) return;
      lost = true;
      onError(error);
      if (client === next) client = undefined;
      next.end().catch(() => {});
      if (connected) reconnect(RETRY_FIRST_MS);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      lost = true;
      next.end().catch(() => {});
      throw error;
    }
    connected = true;
    if (closed) await next.end();
    else client = next;
  };

  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
