// A fixed set of resources (context sequences) shared by concurrent requests, with a bounded
// FIFO wait queue in front: a request beyond `size + maxQueue` is refused at once with
// QUEUE_FULL instead of piling up in memory. Generic, so it is tested without a model.

import { LlmError } from "../errors.ts";

interface Waiter<T> {
  resolve(lease: Lease<T>): void;
  reject(error: unknown): void;
  cleanup(): void;
}

export interface Lease<T> {
  readonly resource: T;
  release(): void;
}

export interface SequencePool<T> {
  /**
   * A free resource, or a place in the queue. The signal removes a queued request and
   * rejects with its reason.
   */
  acquire(signal?: AbortSignal): Promise<Lease<T>>;
  readonly inUse: number;
  readonly queued: number;
  /** Rejects queued requests with `reason`; leased resources stay with their holders. */
  close(reason: unknown): void;
}

export function createSequencePool<T>(options: {
  size: number;
  maxQueue: number;
  create: (index: number) => T;
}): SequencePool<T> {
  const free: T[] = [];
  let created = 0;
  let inUse = 0;
  let closedReason: unknown;
  const waiters: Waiter<T>[] = [];

  const lease = (resource: T): Lease<T> => {
    inUse++;
    let released = false;
    return {
      resource,
      release() {
        if (released) return;
        released = true;
        inUse--;
        const next = waiters.shift();
        if (next) {
          next.cleanup();
          next.resolve(lease(resource));
        } else {
          free.push(resource);
        }
      },
    };
  };

  return {
    get inUse() {
      return inUse;
    },
    get queued() {
      return waiters.length;
    },
    acquire(signal) {
      if (closedReason !== undefined) return Promise.reject(closedReason);
      if (signal?.aborted) return Promise.reject(signal.reason);
      const ready = free.pop() ?? (created < options.size ? options.create(created++) : undefined);
      if (ready !== undefined) return Promise.resolve(lease(ready));
      if (waiters.length >= options.maxQueue) {
        return Promise.reject(
          new LlmError(
            "QUEUE_FULL",
            `all ${options.size} sequences are busy and ${waiters.length} requests are already waiting (maxQueue ${options.maxQueue}); retry later`,
            { parallel: options.size, maxQueue: options.maxQueue },
          ),
        );
      }
      return new Promise<Lease<T>>((resolve, reject) => {
        const onAbort = () => {
          const at = waiters.indexOf(waiter);
          if (at >= 0) waiters.splice(at, 1);
          reject(signal?.reason);
        };
        const waiter: Waiter<T> = {
          resolve,
          reject,
          cleanup: () => signal?.removeEventListener("abort", onAbort),
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        waiters.push(waiter);
      });
    },
    close(reason) {
      closedReason = reason;
      for (const waiter of waiters.splice(0)) {
        waiter.cleanup();
        waiter.reject(reason);
      }
    },
  };
}
