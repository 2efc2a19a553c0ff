// openLedger: picks the store and wraps it in the common Ledger.
import type { LedgerBackend, LedgerRecovery } from "./backend.ts";
import { JsonlBackend } from "./jsonl-store.ts";
import { type Ledger, type LedgerOptions, StoreLedger } from "./ledger.ts";
import { makePrivateDir } from "./private-files.ts";

export type LedgerStoreOptions =
  | {
      store: "jsonl";
      dir: string;
      /**
       * A writer seals records.jsonl's older records into gzip segments under `sealed/` once it
       * exceeds this many bytes (default 64 MiB; 0 = never). Older Pithead versions cannot read a
       * partition with sealed segments.
       */
      sealBytes?: number;
    }
  | { store: "sqlite"; path: string }
  | { store: "postgres"; url: string };

export type OpenLedgerOptions = LedgerStoreOptions &
  LedgerOptions & {
    /** Called for every repair made on open (a torn last line moved aside); also listed in `ledger.recovered`. */
    onRecovery?: (recovery: LedgerRecovery) => void;
    /**
     * Called for what an operator should hear that fails no call: JSONL sealing stopped (a full disk),
     * a file left readable by other users that could not be made 0600 (private-files.ts).
     */
    onWarning?: (message: string) => void;
  };

export async function openLedger(options: OpenLedgerOptions): Promise<Ledger> {
  const recovered: LedgerRecovery[] = [];
  const onRecovery = (recovery: LedgerRecovery) => {
    recovered.push(recovery);
    options.onRecovery?.(recovery);
  };
  const backend = await openStoreBackend(options, onRecovery, options.onWarning);
  return new StoreLedger(backend, options, recovered, reopenable(options));
}

/** The store alone (a verify thread opens its own, verify-thread-worker.ts). */
export async function openStoreBackend(
  options: LedgerStoreOptions,
  onRecovery: (recovery: LedgerRecovery) => void,
  onWarning?: (message: string) => void,
): Promise<LedgerBackend> {
  switch (options.store) {
    case "jsonl":
      makePrivateDir(options.dir);
      if (options.sealBytes !== undefined && !(Number.isSafeInteger(options.sealBytes) && options.sealBytes >= 0)) {
        throw new RangeError(
          `sealBytes must be a whole number of bytes, 0 or more (0 = never seal), got ${options.sealBytes}`,
        );
      }
      return new JsonlBackend(options.dir, onRecovery, {
        ...(options.sealBytes === undefined ? {} : { sealBytes: options.sealBytes }),
        ...(onWarning ? { onWarning } : {}),
      });
    // Loaded on demand: a JSONL user (or a CLI call) need not pay for pg.
    case "sqlite": {
      const { SqliteBackend } = await import("./sqlite-store.ts");
      return new SqliteBackend(options.path, onWarning);
    }
    case "postgres": {
      const { PostgresBackend } = await import("./postgres-store.ts");
      return await PostgresBackend.open(options.url);
    }
    default:
      throw new Error(
        `unknown ledger store ${JSON.stringify((options as { store?: unknown }).store)}: use jsonl, sqlite or postgres`,
      );
  }
}

/** Where another thread finds the same records; none for an in-memory SQLite database, which only this connection sees. */
function reopenable(options: LedgerStoreOptions): LedgerStoreOptions | undefined {
  switch (options.store) {
    case "jsonl":
      return { store: "jsonl", dir: options.dir };
    case "sqlite":
      return options.path === "" || options.path.includes(":memory:") || options.path.startsWith("file:")
        ? undefined
        : { store: "sqlite", path: options.path };
    case "postgres":
      return { store: "postgres", url: options.url };
  }
}
