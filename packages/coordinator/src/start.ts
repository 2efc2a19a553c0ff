// startCoordinator: the whole server from a configuration. Used by `pithead coordinator start`,
// `pithead up`, the tests and the benchmarks. Two threads: this one serves HTTP and reads; the
// engine thread (engine/worker.ts) owns the store's writer, the dispatcher and the sweeper.
import { mkdirSync } from "node:fs";
import type { HttpServer, HttpServerOptions } from "@pithead/http";
import { type Ledger, loadOrCreateSigner, openLedger, preparePrivateSqlite } from "@pithead/ledger";
import { type CoordinatorConfig, loadConfig, type RawSettings } from "./config.ts";
import { EngineClient } from "./engine/engine-client.ts";
import { createCoordinatorApp } from "./http/app.ts";
import { discardPendingAdminKey, pendingAdminKey } from "./service/admin-key-file.ts";
import { CoordinatorService, type ServiceLog } from "./service/coordinator.ts";
import { EventHub } from "./service/event-hub.ts";
import { PoolErrorLog } from "./service/pool-error-log.ts";
import { loadOrCreateReceiptSigner } from "./service/receipt-signer.ts";
import { openReads } from "./store/open-reads.ts";
import { gateLedger } from "./store/sqlite/gated-ledger.ts";
import { releaseOwnProcessLock } from "./store/sqlite/process-lock.ts";

export interface StartOptions {
  /** Flags as strings (what the CLI parsed); validated like the environment. */
  flags?: RawSettings;
  env?: NodeJS.ProcessEnv;
  /** Typed overrides applied after flags and environment (tests, embedding). */
  config?: Partial<CoordinatorConfig>;
  /** The clock every op and sweep reads (tests step it). */
  clock?: () => number;
  logger?: HttpServerOptions["logger"];
  /** Start the background sweeper (default true; tests call sweep() directly). */
  sweeper?: boolean;
  /** How often a ledger checkpoint is signed when records were added (default 5 s). */
  checkpointIntervalMs?: number;
  /** Test seam: records per archived ledger segment (default the ledger's 4096). */
  ledgerArchiveSegmentRecords?: number;
  /** Where a configured admin key comes from, its label in `keys list` (default PITHEAD_ADMIN_KEY). */
  adminKeyConfiguredBy?: string;
  /** Test seam: the engine thread's module (see EngineClientOptions.workerUrl). */
  engineWorkerUrl?: URL;
}

export interface RunningCoordinator {
  url: string;
  app: HttpServer;
  service: CoordinatorService;
  /** The coordinator's ledger (same database as the store): checkpoints, proofs, verify. */
  ledger: Ledger;
  config: CoordinatorConfig;
  /** The admin key generated on this start (first start without PITHEAD_ADMIN_KEY); shown once. */
  generatedAdminKey: string | undefined;
  /** Where the admin key was written, if one was generated. */
  adminKeyFile: string | undefined;
  /**
   * Settles if the engine thread dies on its own (a bug; database errors fail single transactions),
   * once the server has closed: the process should exit non-zero so its supervisor restarts it.
   */
  failed: Promise<Error>;
  close(): Promise<void>;
}

const LEDGER_PARTITION = "coordinator";

export async function startCoordinator(options: StartOptions = {}): Promise<RunningCoordinator> {
  const config: CoordinatorConfig = loadConfig(options.flags, options.env ?? process.env, options.config);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // Made 0600 before any connection opens it (a database an older version left 0644 tightened);
  // what cannot be is logged once the logger exists.
  const openToOthers = config.db.kind === "sqlite" ? preparePrivateSqlite(config.db.path) : [];
  const clock = options.clock ?? Date.now;
  // Both keys are created here (if missing) before the engine thread loads them from the same files.
  const signer = loadOrCreateReceiptSigner(config.receiptKeyFile);
  const ledgerSigner = loadOrCreateSigner(config.ledgerKeyFile, config.ledgerOrigin);
  const events = new EventHub();
  const policy = {
    feeBps: config.feeBps,
    leaseTtlS: config.leaseTtlS,
    heartbeatTimeoutS: config.heartbeatTimeoutS,
    maxInFlightPerMiner: config.maxInFlightPerMiner,
    idempotencyRetentionS: config.idempotencyRetentionS,
    resultRetentionS: config.resultRetentionDays * 86_400,
  };
  let log: ServiceLog | undefined;
  let app: HttpServer | undefined;
  let reportFailure: (error: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => {
    reportFailure = resolve;
  });
  const engine = await EngineClient.start({
    data: {
      db: config.db,
      ledgerPartition: LEDGER_PARTITION,
      receiptKeyFile: config.receiptKeyFile,
      ledgerKeyFile: config.ledgerKeyFile,
      ledgerOrigin: config.ledgerOrigin,
      policy,
      pollIntervalMs: config.db.kind === "postgres" ? config.pollIntervalMs : 0,
      sweepIntervalMs: options.sweeper === false ? null : config.sweepIntervalMs,
      checkpointIntervalMs: options.checkpointIntervalMs ?? 5_000,
      ledgerArchive: config.ledgerArchiveDir
        ? {
            dir: config.ledgerArchiveDir,
            afterDays: config.ledgerArchiveAfterDays,
            ...(options.ledgerArchiveSegmentRecords !== undefined
              ? { segmentRecords: options.ledgerArchiveSegmentRecords }
              : {}),
          }
        : null,
      carriedClock: options.clock ? options.clock() : null,
    },
    ...(options.clock ? { clock: options.clock } : {}),
    onEvents: (batch) => events.publish(batch),
    log: () => log ?? { info: () => {}, warn: () => {}, error: () => {} },
    // Nothing more can be written: stop listening (health already answers 503), then report.
    onFailure: (error) => {
      if (config.db.kind === "sqlite") releaseOwnProcessLock(config.db.path);
      const closed = app ? app.close() : Promise.resolve();
      void closed.catch(() => {}).then(() => reportFailure(error));
    },
    ...(options.engineWorkerUrl ? { workerUrl: options.engineWorkerUrl } : {}),
  });
  let service: CoordinatorService | undefined;
  let ledger: Ledger | undefined;
  try {
    const opened = await openLedger({
      ...(config.db.kind === "sqlite"
        ? { store: "sqlite" as const, path: config.db.path }
        : { store: "postgres" as const, url: config.db.url }),
      signer: ledgerSigner,
    });
    // The ledger's records are read from the same SQLite file: they wait for the engine's fsync too.
    ledger = config.db.kind === "sqlite" ? gateLedger(opened, engine.readGate) : opened;
    // A lost pool connection: folded into the engine's outage log (service/pool-error-log.ts).
    const poolErrors = new PoolErrorLog({
      log: { warn: (obj, msg) => log?.warn(obj, msg) },
      inOutage: () => engine.databaseDown,
    });
    const reads = openReads(config, (error) => poolErrors.report(error), engine.readGate);
    service = new CoordinatorService({
      engine,
      reads: reads.reads,
      closeReads: reads.close,
      storeKind: config.db.kind,
      ledgerPartition: LEDGER_PARTITION,
      policy,
      signer,
      clock,
      events,
      maxStreamsPerKey: config.maxStreamsPerKey,
    });
    let adminKey = await service.command("ensureAdminKey", {
      configured: config.adminKey,
      configuredBy: options.adminKeyConfiguredBy,
    });
    let adminKeyFile: string | undefined;
    let unusableAdminKeyFile: string | undefined;
    if (adminKey.kind === "missing") {
      // The secret is on disk before its hash is in the database (see service/admin-key-file.ts).
      const pending = pendingAdminKey(config.dataDir);
      unusableAdminKeyFile = pending.setAside;
      adminKey = await service.command("ensureAdminKey", { configured: undefined, pending: pending.secret });
      if (adminKey.kind === "created") adminKeyFile = pending.path;
      else discardPendingAdminKey(pending);
    }
    const created = adminKey.kind === "created" ? adminKey.key : undefined;
    const running = service;
    // Without a logger from the caller, the configured level (--log-level, PITHEAD_LOG_LEVEL) holds.
    app = await createCoordinatorApp(service, config, options.logger ?? { level: config.logLevel }, ledger);
    service.useLogger(app.log);
    log = app.log;
    for (const warning of openToOthers) app.log.warn(warning);
    if (unusableAdminKeyFile) {
      app.log.warn(
        { file: unusableAdminKeyFile },
        "admin.key held no usable key: moved aside, a new admin key was written",
      );
    }
    const openLedgerHandle = ledger;
    // Closing the HTTP server (app.close(), or closeOnSignals on SIGTERM) closes everything behind
    // it, once in-flight requests are answered: the engine (sweeper, a last checkpoint, the store)
    // and the ledger.
    app.addHook("onClose", async () => {
      await running.close();
      await openLedgerHandle.close();
    });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
    const server = app;
    return {
      url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
      app: server,
      service: running,
      ledger: openLedgerHandle,
      config,
      generatedAdminKey: created?.secret,
      adminKeyFile,
      failed,
      close: () => server.close(),
    };
  } catch (error) {
    if (app) {
      await app.close().catch(() => {});
    } else {
      await (service ? service.close() : engine.close()).catch(() => {});
      await ledger?.close().catch(() => {});
    }
    throw error;
  }
}
