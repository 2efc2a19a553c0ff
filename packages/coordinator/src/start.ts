// startCoordinator: the whole server from a configuration. Used by `pithead coordinator start`,
// `pithead up`, the tests and the benchmarks.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HttpServer, HttpServerOptions } from "@pithead/http";
import { type Ledger, loadOrCreateSigner, openLedger } from "@pithead/ledger";
import { type CoordinatorConfig, loadConfig, type RawSettings } from "./config.ts";
import { createCoordinatorApp } from "./http/app.ts";
import { ensureAdminKey } from "./ops/keys.ts";
import { Checkpointer } from "./service/checkpointer.ts";
import { CoordinatorService } from "./service/coordinator.ts";
import { loadOrCreateReceiptSigner } from "./service/receipt-signer.ts";
import { openStore } from "./store/open.ts";

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
  close(): Promise<void>;
}

export async function startCoordinator(options: StartOptions = {}): Promise<RunningCoordinator> {
  const config: CoordinatorConfig = { ...loadConfig(options.flags, options.env ?? process.env), ...options.config };
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const clock = options.clock ?? Date.now;
  const signer = loadOrCreateReceiptSigner(config.receiptKeyFile);
  const store = await openStore(config, clock);
  let app: HttpServer | undefined;
  let service: CoordinatorService | undefined;
  let ledger: Ledger | undefined;
  try {
    ledger = await openLedger({
      ...(config.db.kind === "sqlite"
        ? { store: "sqlite" as const, path: config.db.path }
        : { store: "postgres" as const, url: config.db.url }),
      signer: loadOrCreateSigner(config.ledgerKeyFile, config.ledgerOrigin),
    });
    service = new CoordinatorService({
      store,
      ctx: {
        policy: {
          feeBps: config.feeBps,
          leaseTtlS: config.leaseTtlS,
          heartbeatTimeoutS: config.heartbeatTimeoutS,
          maxInFlightPerMiner: config.maxInFlightPerMiner,
          idempotencyRetentionS: config.idempotencyRetentionS,
        },
        signer,
      },
      clock,
      pollIntervalMs: store.kind === "postgres" ? config.pollIntervalMs : 0,
    });
    const created = await store.write((tx) => ensureAdminKey(tx, config.adminKey));
    let adminKeyFile: string | undefined;
    if (created) {
      adminKeyFile = join(config.dataDir, "admin.key");
      writeFileSync(adminKeyFile, `${created.secret}\n`, { mode: 0o600 });
      chmodSync(adminKeyFile, 0o600);
    }
    const running = service;
    const checkpointer = new Checkpointer(ledger, store.ledgerPartition, () => running.log);
    app = await createCoordinatorApp(service, config, options.logger, { ledger, checkpointer });
    service.useLogger(app.log);
    const openLedgerHandle = ledger;
    // Closing the HTTP server (app.close(), or closeOnSignals on SIGTERM) closes everything behind
    // it, once in-flight requests are answered: the sweeper, a last checkpoint, the store, the ledger.
    app.addHook("onClose", async () => {
      await checkpointer.stop();
      await running.close();
      await openLedgerHandle.close();
    });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
    if (options.sweeper !== false) service.startSweeper(config.sweepIntervalMs);
    checkpointer.start(options.checkpointIntervalMs ?? 5_000);
    const server = app;
    return {
      url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
      app: server,
      service: running,
      ledger: openLedgerHandle,
      config,
      generatedAdminKey: created?.secret,
      adminKeyFile,
      close: () => server.close(),
    };
  } catch (error) {
    if (app) {
      await app.close().catch(() => {});
    } else {
      await (service ? service.close() : store.close()).catch(() => {});
      await ledger?.close().catch(() => {});
    }
    throw error;
  }
}
