// Starts the whole Pithead stack in this one process, in dependency order: the coordinator, its
// client and miner keys, the agent API, the fleet controller with its simulated fleet, the
// compute miner, and the dashboard in front of them all. One process because one Ctrl-C handler
// can then stop everything in the right order (see stop-order.ts), nothing is left orphaned, and
// a failure at any step closes what already started before the error is reported. Before anything
// starts, the ledgers it will write must be signed by this --data's keys (ledger-keys-check.ts);
// the stack is "running" only once the miner has registered, and a service that fails later is
// reported on the terminal, not only in its log.

import { existsSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { errorMessage } from "../output.ts";
import { postgresProblem } from "../postgres-problem.ts";
import { dataDirProblem } from "./data-dir.ts";
import { MinerWatch } from "./miner-watch.ts";
import { newProxySecret, startWithProxySecret } from "./proxy-secret.ts";
import { ServiceLogs } from "./service-logs.ts";
import { coordinatorFlags, fleetSettings } from "./service-settings.ts";
import { type Closer, minerStopOutcome, minerStopTimeoutMs, type Step, stopInOrder } from "./stop-order.ts";
import { FRESH_FLEET_OPERATOR, keysFile, loadOrCreateUpKeys, saveUpKeys, writeSecretFile } from "./up-keys.ts";
import type { UpOptions } from "./up-options.ts";
import type { StackFacts } from "./up-summary.ts";

export type { Step } from "./stop-order.ts";

export interface RunningStack {
  facts: StackFacts;
  /** Stops everything, the miner first, one progress step per service. */
  stop(step?: Step): Promise<void>;
}

export class StackStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackStartError";
  }
}

/** Ctrl-C (or SIGTERM) while the stack was starting: what had started was stopped again. */
export class StackStartInterrupted extends Error {
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals) {
    super(`${signal} while starting`);
    this.name = "StackStartInterrupted";
    this.signal = signal;
  }
}

/** How long the miner may take to register with the coordinator before `up` gives up. */
const MINER_REGISTER_TIMEOUT_MS = 30_000;
/** How long requests still in flight get to finish before their connections are cut. */
const DRAIN_MS = 3_000;

/**
 * Closes a service, giving its requests in flight DRAIN_MS to finish; then cuts every connection
 * left. By then the miner is stopped and the dashboard closed, so what is left is a client that
 * keeps an idle connection open (or reopens one), which must not hold the stop forever.
 */
async function closeServer(server: Server, close: () => Promise<unknown>): Promise<void> {
  const cut = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
  try {
    await close();
  } finally {
    clearTimeout(cut);
  }
}

/**
 * The coordinator's "database in use" names `coordinator start`'s --db, which `up` does not have:
 * under `up` the other coordinator is almost always another `pithead up` on the same --data.
 */
export function upLockProblem(message: string, dataDir: string): string | undefined {
  const match = /^(.*) is in use by another coordinator \(pid (\d+)\)/.exec(message);
  if (!match) return undefined;
  return `${match[1]} is in use by another coordinator (pid ${match[2]}), most likely another \`pithead up\` with --data ${dataDir}: stop it (Ctrl-C there), or start this one with another --data`;
}

/** Reports a service that stops on its own after start (not on Ctrl-C), once. */
function watchServer(name: string, server: Server, stopping: () => boolean, logsDir: string): void {
  server.once("close", () => {
    if (!stopping()) process.stderr.write(`✖ the ${name} stopped on its own (see ${join(logsDir, `${name}.log`)})\n`);
  });
}

/**
 * Starts every service in turn. `interrupted` aborts with a StackStartInterrupted reason (Ctrl-C):
 * no further service starts once the one starting now is up, and every one started is stopped.
 */
export async function startStack(options: UpOptions, step: Step, interrupted?: AbortSignal): Promise<RunningStack> {
  const { dataDir, host, ports, postgres } = options;
  const dataProblem = dataDirProblem(dataDir);
  if (dataProblem) throw new StackStartError(dataProblem);
  const logs = new ServiceLogs(join(dataDir, "logs"));
  const closers: Closer[] = [];
  let stopping = false;
  const closeAll = async (step?: Step) => {
    stopping = true;
    await stopInOrder(closers.splice(0), step);
    await logs.close();
  };

  const run = async <T>(text: string, done: (value: T) => string, start: () => Promise<T>): Promise<T> => {
    interrupted?.throwIfAborted();
    const progress = step(text);
    try {
      const value = await start();
      progress.succeed(done(value));
      return value;
    } catch (error) {
      progress.fail(`${text}: failed`);
      throw error;
    }
  };

  try {
    // A refused start leaves nothing behind: the ledgers are checked before keys.json (or logs/)
    // is created, with the keys this --data already holds, else the operator fresh keys would have.
    const held = existsSync(keysFile(dataDir)) ? loadOrCreateUpKeys(dataDir).keys : undefined;
    const { checkStackLedgerKeys } = await import("./ledger-keys-check.ts");
    await checkStackLedgerKeys(dataDir, postgres, held?.fleet.operatorId ?? FRESH_FLEET_OPERATOR);
    let keys = held ?? loadOrCreateUpKeys(dataDir).keys;

    const { distDir, ensureDashboardBuilt, generateLoginCode, isBuildCurrent, startDashboard } = await import(
      "@pithead/web"
    );
    // A fresh clone has no build yet: make it now (a few seconds), not in a separate step.
    const built = isBuildCurrent()
      ? { distDir, built: false }
      : await (async () => {
          const progress = step("building the dashboard (first start, or its sources changed)");
          try {
            const done = await ensureDashboardBuilt({
              onWait: () => progress.update("waiting for another process that is building the dashboard"),
            });
            progress.succeed("dashboard built");
            return done;
          } catch (error) {
            progress.fail("the dashboard build failed");
            throw error;
          }
        })();

    const proxySecret = newProxySecret();
    const { startCoordinator } = await import("@pithead/coordinator");
    const coordinator = await run(
      `starting the coordinator (${postgres ? "PostgreSQL" : "SQLite"})`,
      (c) => `coordinator on ${c.url}`,
      () =>
        startWithProxySecret(proxySecret, () =>
          startCoordinator({
            flags: coordinatorFlags(options, keys.coordinatorAdminKey),
            adminKeyConfiguredBy: "pithead up (keys.json)",
            env: {},
            logger: { level: options.logLevel, stream: logs.stream("coordinator") },
          }),
        ),
    );
    closers.push({ name: "coordinator", close: () => closeServer(coordinator.app.server, () => coordinator.close()) });
    watchServer("coordinator", coordinator.app.server, () => stopping, logs.dir);
    void coordinator.failed.then((error) =>
      process.stderr.write(
        `the coordinator stopped: its store thread failed (${errorMessage(error)}; see ${join(dataDir, "logs")}). ` +
          "Nothing it answered is lost; stop with Ctrl-C and run pithead up again.\n",
      ),
    );

    const { ensureCoordinatorKeys } = await import("./coordinator-keys.ts");
    const provisioned = await run(
      "preparing the client and miner keys",
      () => "client and miner keys ready",
      () => ensureCoordinatorKeys(coordinator.url, keys),
    );
    if (provisioned.changed) saveUpKeys(dataDir, provisioned.keys);
    keys = provisioned.keys;
    const client = keys.client as NonNullable<typeof keys.client>;
    const minerKey = keys.miner as NonNullable<typeof keys.miner>;

    const { loadAgentConfig, startAgent } = await import("@pithead/agent");
    const agentDir = join(dataDir, "agent");
    const agent = await run(
      "starting the agent API (tiny model)",
      (a) => `agent API on ${a.url}`,
      () =>
        startWithProxySecret(proxySecret, () =>
          startAgent(
            loadAgentConfig(
              {
                API_KEY: keys.agentApiKey,
                HOST: host,
                PORT: String(ports.agent),
                DATA_DIR: agentDir,
                DATABASE_URL: postgres ?? `sqlite:///${join(agentDir, "agent.db")}`,
                LLM_PROVIDER: "local",
                // The tiny model only continues characters: a long answer shows nothing more, slowly.
                MAX_TOKENS: "256",
                LOG_LEVEL: options.logLevel,
              },
              { envFile: false, cwd: dataDir },
            ),
            { logger: { level: options.logLevel, stream: logs.stream("agent") } },
          ),
        ),
    );
    closers.push({ name: "agent", close: () => closeServer(agent.app.server, () => agent.close()) });
    watchServer("agent", agent.app.server, () => stopping, logs.dir);

    const { loadFleetConfig, startFleetService } = await import("@pithead/fleet");
    const fleetSecretFile = join(dataDir, "fleet-operator.secret");
    writeSecretFile(fleetSecretFile, keys.fleet.secret);
    const fleet = await run(
      `starting the fleet controller (${options.simulatedMiners} simulated miners)`,
      (f) => `fleet controller on ${f.url}`,
      () =>
        startWithProxySecret(proxySecret, () =>
          startFleetService(loadFleetConfig(fleetSettings(options, keys.fleet)), {
            logger: { level: options.logLevel, stream: logs.stream("fleet") },
          }),
        ),
    );
    closers.push({ name: "fleet", close: () => closeServer(fleet.server.server, () => fleet.close()) });
    watchServer("fleet", fleet.server.server, () => stopping, logs.dir);

    const { createLogger, loadMinerConfig, startMiner } = await import("@pithead/miner");
    const minerConfig = loadMinerConfig({
      env: {},
      cwd: dataDir,
      flags: {
        COORD_URL: coordinator.url,
        API_KEY: minerKey.key,
        WALLET_ADDR: minerKey.wallet,
        MINER_ID: minerKey.minerId,
        WORK_DIR: join(dataDir, "miner"),
        LLM_PROVIDER: "local",
        LOG_LEVEL: options.logLevel,
      },
    });
    const minerWatch = new MinerWatch(createLogger(options.logLevel, logs.lines("miner")));
    const miner = await run(
      "starting the compute miner (tiny model)",
      (m) => `compute miner ${minerKey.minerId} registered, offering ${[...m.miner.offered.keys()].join(", ")}`,
      async () => {
        const started = await startMiner(minerConfig, { log: minerWatch.logger });
        let stopped: { gaveBack: number; pending: number } | undefined;
        // Stopped with the others if it never registers (the catch below closes every closer).
        closers.push({
          name: "miner",
          close: async () => {
            stopped = await started.stop();
          },
          outcome: () => (stopped ? minerStopOutcome(stopped, minerConfig.workDir) : undefined),
          // Its running jobs get the grace period, then are given back while the coordinator listens.
          timeoutMs: minerStopTimeoutMs(minerConfig.shutdownGraceSecs),
          note: () => {
            const running = started.miner.status().running.length;
            return running > 0
              ? `${running === 1 ? "a running job gets" : `${running} running jobs get`} up to ${minerConfig.shutdownGraceSecs} s to finish, then ${running === 1 ? "is" : "are"} given back`
              : undefined;
          },
        });
        try {
          await minerWatch.untilRegistered(() => started.miner.status().registered, MINER_REGISTER_TIMEOUT_MS);
        } catch (error) {
          throw new Error(
            `the compute miner ${minerKey.minerId} did not start working: ${errorMessage(error)} (see ${logs.path("miner")})`,
          );
        }
        return started;
      },
    );
    minerWatch.reportErrors((line) => {
      if (!stopping)
        process.stderr.write(`✖ the compute miner ${minerKey.minerId}: ${line} (see ${logs.path("miner")})\n`);
    });

    const loginCode = generateLoginCode();
    // Kept beside keys.json for a stack whose output goes to a log, where the code is not printed.
    const loginCodeFile = join(dataDir, "login-code");
    writeSecretFile(loginCodeFile, loginCode);
    const dashboard = await run(
      "starting the dashboard",
      (d) => `dashboard on ${d.url}${built.built ? " (freshly built)" : ""}`,
      () =>
        startDashboard({
          distDir: built.distDir,
          host,
          port: ports.dashboard,
          upstreams: { coordinator: coordinator.url, fleet: fleet.url, agent: agent.url },
          proxySecret,
          login: {
            code: loginCode,
            bundle: {
              coordinator: {
                url: coordinator.url,
                adminKey: keys.coordinatorAdminKey,
                clientKey: client.key,
                clientWallet: client.wallet,
              },
              fleet: { url: fleet.url, operators: [{ id: keys.fleet.operatorId, secret: keys.fleet.secret }] },
              agent: { url: agent.url, apiKey: keys.agentApiKey },
            },
          },
          logger: { level: options.logLevel, stream: logs.stream("dashboard") },
        }),
    );
    closers.push({ name: "dashboard", close: () => closeServer(dashboard.app.server, () => dashboard.close()) });
    watchServer("dashboard", dashboard.app.server, () => stopping, logs.dir);

    const facts: StackFacts = {
      dataDir,
      storage: postgres ? "postgres" : "sqlite",
      urls: { dashboard: dashboard.url, coordinator: coordinator.url, agent: agent.url, fleet: fleet.url },
      loginCode,
      loginCodeFile,
      keys: {
        coordinatorAdmin: keys.coordinatorAdminKey,
        coordinatorClient: client.key,
        clientWallet: client.wallet,
        agent: keys.agentApiKey,
        fleetOperator: keys.fleet.operatorId,
        fleetSecret: keys.fleet.secret,
      },
      fleetSecretFile,
      keysFile: keysFile(dataDir),
      miner: { id: minerKey.minerId, workloads: [...miner.miner.offered.keys()] },
      simulatedMiners: options.simulatedMiners,
      logsDir: logs.dir,
    };
    // What the start wrote (keys, funding, the miner's registration) is covered by a signed
    // checkpoint before the summary offers `ledger verify`: a ledger with records and no checkpoint
    // does not verify, and the coordinator's own timer signs only every 5 s.
    await coordinator.service.checkpoint();
    // A signal during the last step: stopped now rather than after a summary nobody wants.
    interrupted?.throwIfAborted();
    return { facts, stop: closeAll };
  } catch (error) {
    if (error instanceof StackStartInterrupted) {
      await closeAll(step);
      throw error;
    }
    await closeAll();
    const message = errorMessage(error);
    const problem =
      (postgres ? postgresProblem(error, postgres, "--postgres") : undefined) ?? upLockProblem(message, dataDir);
    throw new StackStartError(problem ?? message);
  }
}
