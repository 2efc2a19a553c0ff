// Starts the whole Pithead stack in this one process, in dependency order: the coordinator, its
// client and miner keys, the agent API, the fleet controller with its simulated fleet, the
// compute miner, and the dashboard in front of them all. One process because one Ctrl-C handler
// can then stop everything in the right order (the miner first, so it finishes or gives back its
// jobs while the coordinator still listens; the coordinator last), nothing is left orphaned, and
// a failure at any step closes what already started before the error is reported.

import type { Server } from "node:http";
import { join } from "node:path";
import { errorMessage } from "../output.ts";
import { postgresProblem } from "../postgres-problem.ts";
import { ServiceLogs } from "./service-logs.ts";
import { loadOrCreateUpKeys, saveUpKeys, writeSecretFile } from "./up-keys.ts";
import type { UpOptions } from "./up-options.ts";
import type { StackFacts } from "./up-summary.ts";

/** One step's progress: the CLI's spinner. */
export type Step = (text: string) => {
  succeed(text?: string): void;
  fail(text?: string): void;
  update(text: string): void;
};

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

/** How long one service may take to close before the next one is closed anyway. */
const STOP_TIMEOUT_MS = 20_000;
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

export async function startStack(options: UpOptions, step: Step): Promise<RunningStack> {
  const { dataDir, host, ports, postgres } = options;
  const logs = new ServiceLogs(join(dataDir, "logs"));
  const closers: { name: string; close: () => Promise<unknown> }[] = [];
  const closeAll = async (step?: Step) => {
    // The miner first (it may still prove jobs to the coordinator), then the dashboard in front of
    // everything, then the services; each closes its ledger, which flushes it.
    const order = ["miner", "dashboard", "fleet", "agent", "coordinator"];
    closers.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    for (const { name, close } of closers.splice(0)) {
      const progress = step?.(`stopping the ${name}`);
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      // A service that cannot close (a stuck connection) must not keep the others from closing.
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), STOP_TIMEOUT_MS);
      });
      try {
        if ((await Promise.race([close(), late])) === "late")
          progress?.fail(`the ${name} did not stop within ${STOP_TIMEOUT_MS / 1000} s; going on`);
        else progress?.succeed(`${name} stopped (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (error) {
        progress?.fail(`the ${name} did not stop cleanly: ${errorMessage(error)}`);
      } finally {
        clearTimeout(timer);
      }
    }
    await logs.close();
  };

  const run = async <T>(text: string, done: (value: T) => string, start: () => Promise<T>): Promise<T> => {
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
    const { keys: storedKeys } = loadOrCreateUpKeys(dataDir);
    let keys = storedKeys;

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

    const { startCoordinator } = await import("@pithead/coordinator");
    const coordinator = await run(
      `starting the coordinator (${postgres ? "PostgreSQL" : "SQLite"})`,
      (c) => `coordinator on ${c.url}`,
      () =>
        startCoordinator({
          flags: {
            host,
            port: String(ports.coordinator),
            dataDir: join(dataDir, "coordinator"),
            adminKey: keys.coordinatorAdminKey,
            ...(postgres ? { db: postgres } : {}),
          },
          env: {},
          logger: { level: options.logLevel, stream: logs.stream("coordinator") },
        }),
    );
    closers.push({ name: "coordinator", close: () => closeServer(coordinator.app.server, () => coordinator.close()) });
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
    );
    closers.push({ name: "agent", close: () => closeServer(agent.app.server, () => agent.close()) });

    const { loadFleetConfig, startFleetService } = await import("@pithead/fleet");
    const fleetDir = join(dataDir, "fleet");
    const fleetSecretFile = join(dataDir, "fleet-operator.secret");
    writeSecretFile(fleetSecretFile, keys.fleet.secret);
    const fleet = await run(
      `starting the fleet controller (${options.simulatedMiners} simulated miners)`,
      (f) => `fleet controller on ${f.url}`,
      () =>
        startFleetService(
          loadFleetConfig({
            HOST: host,
            PORT: String(ports.fleet),
            DATA_DIR: fleetDir,
            SIMULATED_MINERS: String(options.simulatedMiners),
            OPERATOR_ID: keys.fleet.operatorId,
            OPERATOR_LABEL: "Simulated fleet",
            API_SECRET: keys.fleet.secret,
            ...(postgres ? { LEDGER_STORE: "postgres", LEDGER_URL: postgres } : {}),
          }),
          { logger: { level: options.logLevel, stream: logs.stream("fleet") } },
        ),
    );
    closers.push({ name: "fleet", close: () => closeServer(fleet.server.server, () => fleet.close()) });

    const { createLogger, loadMinerConfig, startMiner } = await import("@pithead/miner");
    const miner = await run(
      "starting the compute miner (tiny model)",
      (m) => `compute miner ${minerKey.minerId} offering ${[...m.miner.offered.keys()].join(", ")}`,
      () =>
        startMiner(
          loadMinerConfig({
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
          }),
          { log: createLogger(options.logLevel, logs.lines("miner")) },
        ),
    );
    closers.push({ name: "miner", close: () => miner.stop() });

    const loginCode = generateLoginCode();
    const dashboard = await run(
      "starting the dashboard",
      (d) => `dashboard on ${d.url}${built.built ? " (freshly built)" : ""}`,
      () =>
        startDashboard({
          distDir: built.distDir,
          host,
          port: ports.dashboard,
          upstreams: { coordinator: coordinator.url, fleet: fleet.url, agent: agent.url },
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

    const facts: StackFacts = {
      dataDir,
      storage: postgres ? "postgres" : "sqlite",
      urls: { dashboard: dashboard.url, coordinator: coordinator.url, agent: agent.url, fleet: fleet.url },
      loginCode,
      keys: {
        coordinatorAdmin: keys.coordinatorAdminKey,
        coordinatorClient: client.key,
        clientWallet: client.wallet,
        agent: keys.agentApiKey,
        fleetOperator: keys.fleet.operatorId,
        fleetSecret: keys.fleet.secret,
      },
      fleetSecretFile,
      miner: { id: minerKey.minerId, workloads: [...miner.miner.offered.keys()] },
      simulatedMiners: options.simulatedMiners,
      logsDir: logs.dir,
    };
    return { facts, stop: closeAll };
  } catch (error) {
    await closeAll();
    const problem = postgres ? postgresProblem(error, postgres, "--postgres") : undefined;
    throw new StackStartError(problem ?? errorMessage(error));
  }
}
