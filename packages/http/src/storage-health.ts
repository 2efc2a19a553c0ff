// Whether the server can write. A monitor must hear of a full disk from /health, not only from
// the writes it refuses: every 507 STORAGE_FULL a route answers marks the server, and the next
// write that succeeds clears the mark. Work done outside requests (a fleet's cycles) reports
// through `app.storage` the same way.
import type { FastifyInstance } from "fastify";

declare module "fastify" {
  interface FastifyInstance {
    /** Marks and clears "the disk is full" for /health. */
    storage: StorageHealth;
  }
}

/** Methods that write nothing: their success says nothing about the disk. */
const READS = new Set(["GET", "HEAD", "OPTIONS"]);

export class StorageHealth {
  #fullSince: number | undefined;

  /** A write failed for want of space (the first time since the last success is kept). */
  full(at = Date.now()): void {
    this.#fullSince ??= at;
  }

  /** A write succeeded: the disk has room again. */
  written(): void {
    this.#fullSince = undefined;
  }

  /** Since when writes fail for want of space; undefined while they succeed. */
  get fullSince(): number | undefined {
    return this.#fullSince;
  }
}

export function installStorageHealth(app: FastifyInstance): StorageHealth {
  const storage = new StorageHealth();
  app.decorate("storage", storage);
  app.addHook("onResponse", async (request, reply) => {
    if (reply.statusCode === 507) storage.full();
    else if (reply.statusCode < 400 && !READS.has(request.method)) storage.written();
  });
  return storage;
}
