// The whole fleet controller as one service: the ledger, the simulated fleet when no miner is
// configured, one controller per operator, the periodic loop and the REST API. `openFleet` is
// the part without HTTP (for `pithead fleet cycle` in-process and `replay`).

import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { HttpServer, HttpServerOptions } from "@pithead/http";
import { type Ledger, loadOrCreateSigner, openLedger } from "@pithead/ledger";
import { apiPortFailure, holdApiPort } from "./api/api-port.ts";
import { fleetErrors } from "./api/errors.ts";
import { createFleetServer } from "./api/fleet-server.ts";
import { removeListening, writeListening } from "./api/listening-file.ts";
import { CgminerAdapter } from "./cgminer/adapter.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { FleetConfig } from "./config/load-config.ts";
import type { OperatorConfig } from "./config/types.ts";
import { marketFromConfig } from "./market/from-config.ts";
import { claimLedger, ledgerLocation } from "./orchestrator/claim-ledger.ts";
import { cycleFailure } from "./orchestrator/cycle-failure.ts";
import { CycleLog } from "./orchestrator/cycle-log.ts";
import { DatabaseHealth } from "./orchestrator/database-health.ts";
import { LedgerArchiver } from "./orchestrator/ledger-archiver.ts";
import { LoopRunner } from "./orchestrator/loop-runner.ts";
import { noSnapshot } from "./orchestrator/open-partition.ts";
import { OperatorController } from "./orchestrator/operator-controller.ts";
import { type QuarantinedOperator, quarantineFor } from "./orchestrator/quarantine.ts";
import { UnreadablePartitionError, unreadableAtStart } from "./orchestrator/unreadable-partition.ts";
import { FleetSimulator } from "./simulator/fleet-simulator.ts";

export interface OpenFleet {
  controllers: Map<string, OperatorController>;
  ledger: Ledger;
  simulator: FleetSimulator | undefined;
  /** Files holding secrets generated for a simulated operator (0600), by operator id. */
  generatedSecretFiles: Map<string, string>;
  /**
   * Operators whose partition could not be read back at start (several operators only): they run
   * no cycles and their routes answer 503, while the others run.
   */
  quarantined: Map<string, QuarantinedOperator>;
  close(): Promise<void>;
}

export interface FleetService extends OpenFleet {
  server: HttpServer;
  /** Moves old ledger segments to LEDGER_ARCHIVE_DIR (absent: archiving is off). */
  archiver?: LedgerArchiver;
  /** Base URL the API listens on. */
  url: string;
}

export interface StartOptions {
  clock?: Clock;
  logger?: HttpServerOptions["logger"];
  /** Listen on this port instead of the configured one (0: any free port). */
  port?: number;
  /** Start the periodic loop (default: config.loop.enabled). */
  loop?: boolean;
}

/** The secret of a simulated operator without one: generated once, kept in a 0600 file. */
function simulatedSecret(dataDir: string, operatorId: string): { secret: string; file: string } {
  const file = join(dataDir, `fleet-operator-${operatorId}.secret`);
  if (existsSync(file)) return { secret: readFileSync(file, "utf8").trim(), file };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(24).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { secret, file };
}

/**
 * Where an operator's state snapshot is kept: beside the ledger's other local files, not evidence
 * (deleting it only makes the next start fold the whole partition).
 */
export function snapshotFile(dataDir: string, operatorId: string): string {
  return join(dataDir, `fleet-state-${operatorId}.snapshot`);
}

/** Opens the ledger, the simulated fleet if any, and one controller per operator. */
export async function openFleet(
  config: FleetConfig,
  options: { clock?: Clock; onLedgerWarning?: (message: string) => void } = {},
): Promise<OpenFleet> {
  const clock = options.clock ?? systemClock;
  const signer = loadOrCreateSigner(config.keyFile, "pithead-fleet");
  // The archive settings are the fleet's (ledger-archiver.ts), not the store's.
  const { archive: _archive, ...store } = config.ledger;
  const ledger = await openLedger({
    ...store,
    signer,
    ...(options.onLedgerWarning ? { onWarning: options.onLedgerWarning } : {}),
  });
  let simulator: FleetSimulator | undefined;
  const generatedSecretFiles = new Map<string, string>();
  try {
    // Order: every writer first (its open recovers a torn tail and refuses damage it finds), then
    // each controller reads its partition back; nothing is polled or served before both.
    // One damaged partition must not leave every other operator's fleet unmanaged: with several
    // operators it is quarantined (quarantine.ts); a single operator's start still refuses.
    const spareDamaged = config.operators.length > 1;
    const damagedAtClaim = await claimLedger(
      ledger,
      config.operators.map((operator) => operator.id),
      ledgerLocation(config.ledger, config.dataDir),
      { spareDamaged },
    );
    let operators: OperatorConfig[] = config.operators;
    if (config.simulated) {
      simulator = await FleetSimulator.start({ miners: config.simulated.miners, seed: config.simulated.seed, clock });
      const [first, ...rest] = operators;
      if (!first) throw new Error("internal: no operator for the simulated fleet");
      let secret = first.secret;
      if (secret === null && !config.auth.disabled) {
        const generated = simulatedSecret(config.dataDir, first.id);
        secret = generated.secret;
        generatedSecretFiles.set(first.id, generated.file);
      }
      operators = [
        {
          ...first,
          secret,
          miners: simulator.endpoints().map(({ id, host, port, model }) => ({ id, host, port, model })),
        },
        ...rest,
      ];
    }
    const adapter = new CgminerAdapter({ transport: config.transport });
    const market = marketFromConfig(config.market, clock);
    const controllers = new Map<string, OperatorController>();
    const quarantined = new Map<string, QuarantinedOperator>();
    const damaged: unknown[] = [];
    for (const operator of operators) {
      const claimFailure = damagedAtClaim.get(operator.id);
      if (claimFailure) {
        const entry = quarantineFor(operator, claimFailure, config.ledger);
        if (!entry) throw claimFailure;
        quarantined.set(operator.id, entry);
        damaged.push(claimFailure);
        continue;
      }
      try {
        controllers.set(
          operator.id,
          await OperatorController.open({
            operator,
            recorder: ledger,
            adapter,
            market,
            clock,
            concurrency: config.concurrency,
            snapshot: { file: snapshotFile(config.dataDir, operator.id) },
            onSnapshotFailure: (error) => options.onLedgerWarning?.(snapshotFailure(operator.id, error)),
          }),
        );
      } catch (error) {
        // One damaged partition must not leave every other operator's fleet unmanaged.
        const entry = spareDamaged ? quarantineFor(operator, error, config.ledger) : undefined;
        if (!entry) throw error;
        quarantined.set(operator.id, entry);
        damaged.push(error);
      }
    }
    // Nothing healthy to run: refuse as a single operator's start does, naming the first damage.
    if (controllers.size === 0 && damaged.length > 0) throw damaged[0];
    const sim = simulator;
    const saveSnapshots = async () => {
      await Promise.all(
        [...controllers.values()].map((controller) =>
          controller.saveSnapshot().catch((error: unknown) => {
            options.onLedgerWarning?.(snapshotFailure(controller.operator.id, error));
          }),
        ),
      );
    };
    return {
      controllers,
      ledger,
      simulator,
      generatedSecretFiles,
      quarantined,
      async close() {
        // A clean shutdown leaves a fresh snapshot: the next start folds only the last cycle.
        await saveSnapshots();
        await sim?.close();
        await ledger.close();
      },
    };
  } catch (error) {
    await simulator?.close();
    await ledger.close();
    if (error instanceof UnreadablePartitionError)
      throw unreadableAtStart(error, config.ledger, ledgerLocation(config.ledger, config.dataDir));
    throw error;
  }
}

function snapshotFailure(operatorId: string, error: unknown): string {
  return `the state snapshot of operator '${operatorId}' could not be written (${error instanceof Error ? error.message : String(error)}): nothing is lost, the next start folds more of the ledger`;
}

/**
 * The one line a start says about where its state came from: a warning when a snapshot was there
 * and could not be used (a slow start someone filtering warnings should hear of), else info.
 */
function startLine(
  controller: OperatorController,
): { level: "info" | "warn"; fields: Record<string, unknown>; message: string } | null {
  const start = controller.startReport;
  if (!start) return null;
  const operator = controller.operator.id;
  if (start.from === "snapshot")
    return {
      level: "info",
      fields: { operator, from: "snapshot", snapshotSeq: start.snapshotSeq, records: start.records },
      message: `operator '${operator}': state loaded from its snapshot (through record #${start.snapshotSeq}) and the ${start.records} records after it`,
    };
  const unusable = start.snapshotNotUsed !== null && start.snapshotNotUsed !== noSnapshot;
  return {
    level: unusable ? "warn" : "info",
    fields: {
      operator,
      from: "ledger",
      fromSeq: start.fromSeq,
      records: start.records,
      snapshotNotUsed: start.snapshotNotUsed,
    },
    message: `operator '${operator}': state folded from the ledger (${start.records} records from #${start.fromSeq})${start.snapshotNotUsed ? `; its state snapshot was not used: ${start.snapshotNotUsed}` : ""}`,
  };
}

/** Opens the fleet, serves the API and runs each operator's loop. */
export async function startFleetService(config: FleetConfig, options: StartOptions = {}): Promise<FleetService> {
  const clock = options.clock ?? systemClock;
  // The ledger warns (sealing stopped: a full disk) only once cycles append, after the server logs.
  let warn = (message: string): void => {
    process.stderr.write(`warning: ${message}\n`);
  };
  // Held before the simulated miners bind ports of their own (api-port.ts), released to listen.
  const host = config.server.host;
  const held = await holdApiPort(host, options.port ?? config.server.port);
  let fleet: OpenFleet;
  try {
    fleet = await openFleet(config, { clock, onLedgerWarning: (message) => warn(message) });
  } catch (error) {
    await held.release();
    throw error;
  }
  const loops: LoopRunner[] = [];
  let archiver: LedgerArchiver | undefined;
  let server: HttpServer | undefined;
  const database = new DatabaseHealth(() => clock.now());
  try {
    server = await createFleetServer({
      controllers: fleet.controllers,
      quarantined: fleet.quarantined,
      ledger: fleet.ledger,
      clock,
      auth: config.auth,
      rateLimitPerMinute: config.rateLimitPerMinute,
      logger: options.logger,
      health: () => {
        const downSince = database.downSince;
        if (downSince !== undefined)
          throw fleetErrors.error(
            "DATABASE_UNAVAILABLE",
            { since: new Date(downSince).toISOString() },
            "The fleet's ledger database cannot be reached since the time given: cycles resume once it answers",
          );
        return fleet.simulator ? { simulated: true } : {};
      },
      dataDir: config.dataDir,
    });
    const log = server.log;
    warn = (message) => {
      log.warn(message);
    };
    for (const entry of fleet.quarantined.values()) {
      server.log.error(
        { operator: entry.operator.id, partition: entry.partition, verify: entry.verify },
        `operator '${entry.operator.id}' QUARANTINED: its ledger partition ${entry.partition} cannot be read back (${entry.damage}); its cycles do not run and its routes answer 503 until it is repaired and the controller restarted; run \`${entry.verify}\` to see where. The other operators run.`,
      );
    }
    for (const controller of fleet.controllers.values()) {
      const line = startLine(controller);
      if (line) server.log[line.level](line.fields, line.message);
    }
    // A torn last record (a crash mid-append) was moved aside when the writers opened: say so.
    for (const repair of fleet.ledger.recovered) {
      server.log.warn(
        { partition: repair.partition, file: repair.file, movedTo: repair.movedTo, bytes: repair.bytes },
        repair.message,
      );
    }
    await held.release();
    await server.listen({ host, port: held.port }).catch((error: unknown) => {
      throw apiPortFailure(error, host, held.port);
    });
    const urlHost = host.includes(":") ? `[${host}]` : host;
    const url = `http://${urlHost}:${held.port}`;
    writeListening(config.dataDir, url);
    const archive = config.ledger.archive;
    if (archive) {
      archiver = new LedgerArchiver({
        ledger: fleet.ledger,
        config: archive,
        clock,
        log: {
          info: (fields, message) => log.info(fields, message),
          warn: (fields, message) => log.warn(fields, message),
        },
        controllers: fleet.controllers.values(),
      });
    }
    const archiving = archiver;
    if (options.loop ?? config.loop.enabled) {
      const storage = server.storage;
      for (const controller of fleet.controllers.values()) {
        const intervalMs = controller.operator.policy.pollIntervalMs;
        // The loop's interval, so that cycles longer than it are warned of (cycle-overrun.ts).
        const cycles = new CycleLog({ operatorId: controller.operator.id, clock, log, intervalMs });
        const loop = new LoopRunner({
          intervalMs,
          run: async () => {
            cycles.done(await controller.runCycle());
            storage.written();
            database.cycleRecorded();
            // Off the cycle's path: the run goes on in the background, at most hourly.
            archiving?.afterCycle();
          },
          onError: (error) => {
            // A cycle that cannot record is what /health reports (a monitor hears of the full disk).
            if (cycleFailure(error).code === "STORAGE_FULL") storage.full();
            database.cycleFailed(error);
            cycles.failed(error);
          },
        });
        loop.start();
        loops.push(loop);
      }
    }
    const running = server;
    return {
      ...fleet,
      server: running,
      url,
      ...(archiving ? { archiver: archiving } : {}),
      async close() {
        removeListening(config.dataDir);
        await Promise.all(loops.map((loop) => loop.stop()));
        await archiving?.close();
        await running.close();
        await fleet.close();
      },
    };
  } catch (error) {
    removeListening(config.dataDir);
    await held.release();
    await Promise.all(loops.map((loop) => loop.stop()));
    await archiver?.close();
    await server?.close();
    await fleet.close();
    throw error;
  }
}
