// Fan-out of committed job events to server-sent-event streams, each with its own filter
// (a client sees its own jobs, an admin all, a per-job stream one job).
import type { JobEvent } from "../store/types.ts";

export type EventListener = (event: JobEvent) => void;

export class EventHub {
  readonly #subscribers = new Set<{ filter: (event: JobEvent) => boolean; listener: EventListener }>();

  subscribe(filter: (event: JobEvent) => boolean, listener: EventListener): () => void {
    const subscriber = { filter, listener };
    this.#subscribers.add(subscriber);
    return () => {
      this.#subscribers.delete(subscriber);
    };
  }

  get size(): number {
    return this.#subscribers.size;
  }

  publish(events: readonly JobEvent[]): void {
    for (const event of events) {
      for (const { filter, listener } of this.#subscribers) {
        if (filter(event)) listener(event);
      }
    }
  }
}
