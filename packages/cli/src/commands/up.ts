// `pithead up`: the whole stack on one machine with embedded defaults (no database server, no
// model download, no GPU, no configuration), and `pithead web`: the dashboard alone, in front of
// services deployed elsewhere.

import { type Command, InvalidArgumentError, Option } from "commander";
import { errorMessage, fail } from "../output.ts";
import { spinner } from "../progress.ts";
import { ignoredEnvNotice } from "../up/ignored-env.ts";
import { portProblem } from "../up/ports.ts";
import { DEFAULT_PORTS, parseUpOptions, type RawUpOptions, UpOptionError } from "../up/up-options.ts";
import { summaryJson, summaryText } from "../up/up-summary.ts";
import { webLogger } from "./web-log.ts";

/**
 * Resolves on the first SIGINT/SIGTERM. A second one within a moment is the same Ctrl-C delivered
 * twice (npx forwards the terminal's signal to this process, which got it already) and is ignored;
 * a later one exits at once, for when stopping cleanly takes too long.
 */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (first === 0) {
        first = Date.now();
        resolve(signal);
        return;
      }
      if (Date.now() - first < 1500) return;
      process.stderr.write(`\n${signal} again: exiting without waiting\n`);
      process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

function portArgument(value: string): string {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535)
    throw new InvalidArgumentError("must be a port number (0-65535)");
  return value;
}

async function up(raw: RawUpOptions): Promise<void> {
  let options: ReturnType<typeof parseUpOptions>;
  try {
    options = parseUpOptions(raw);
  } catch (error) {
    if (error instanceof UpOptionError) fail(error.message, 2);
    throw error;
  }
  const problem = await portProblem(options.host, [
    { port: options.ports.coordinator, what: "the coordinator", flag: "--coordinator-port" },
    { port: options.ports.agent, what: "the agent API", flag: "--agent-port" },
    { port: options.ports.fleet, what: "the fleet controller", flag: "--fleet-port" },
    { port: options.ports.dashboard, what: "the dashboard", flag: "--port" },
  ]);
  if (problem) fail(problem);
  const ignored = ignoredEnvNotice(process.env);
  if (ignored) process.stderr.write(`${ignored}\n`);

  // Loaded here, so `pithead --help` does not load every service.
  const { StackStartError, StackStartInterrupted, startStack } = await import("../up/start-stack.ts");
  const { KeysFileError } = await import("../up/up-keys.ts");
  const stopping = untilSignal();
  // Ctrl-C while starting: the service starting now finishes, nothing more starts, and what did
  // is stopped again (it was ignored until everything was up, keys printed and all).
  const interrupt = new AbortController();
  void stopping.then((signal) => {
    if (interrupt.signal.aborted) return;
    process.stderr.write(`\n${signal}: stopping once the service starting now is up\n`);
    interrupt.abort(new StackStartInterrupted(signal));
  });
  let stack: Awaited<ReturnType<typeof startStack>>;
  try {
    stack = await startStack(options, spinner, interrupt.signal);
  } catch (error) {
    if (error instanceof StackStartInterrupted) {
      process.stderr.write(`stopped before everything started; what was made is kept in ${options.dataDir}\n`);
      process.exit(error.signal === "SIGINT" ? 130 : 143);
    }
    if (error instanceof StackStartError || error instanceof KeysFileError) fail(error.message);
    throw error;
  }
  // Started: a signal from now on is the stop below, not an interrupted start.
  interrupt.abort();
  // Keys and the login code go to a terminal only (or with --show-keys): a stdout that is a log or
  // a file gets where they are kept, in the text and the JSON alike.
  const reveal = options.showKeys || process.stdout.isTTY === true;
  if (options.json) process.stdout.write(`${JSON.stringify(summaryJson(stack.facts, reveal))}\n`);
  else process.stdout.write(summaryText(stack.facts, reveal));

  const signal = await stopping;
  process.stderr.write(`${signal}: stopping the miner first, then every service\n`);
  await stack.stop(spinner);
  process.stderr.write(`stopped cleanly; everything is kept in ${options.dataDir}\n`);
  process.exitCode = 0;
}

async function web(raw: {
  coordinator?: string;
  fleet?: string;
  agent?: string;
  port: string;
  host: string;
}): Promise<void> {
  if (!raw.coordinator && !raw.fleet && !raw.agent)
    fail("give at least one service: --coordinator URL, --fleet URL or --agent URL", 2);
  const { DashboardBuildError, ensureDashboardBuilt, isBuildCurrent, distDir, startDashboard } = await import(
    "@pithead/web"
  );
  const problem = await portProblem(raw.host, [{ port: Number(raw.port), what: "the dashboard", flag: "--port" }]);
  if (problem) fail(problem);
  let dist = distDir;
  if (!isBuildCurrent()) {
    const progress = spinner("building the dashboard (first start, or its sources changed)");
    try {
      dist = (
        await ensureDashboardBuilt({
          onWait: () => progress.update("waiting for another process that is building the dashboard"),
        })
      ).distDir;
      progress.succeed("dashboard built");
    } catch (error) {
      progress.fail("the dashboard build failed");
      fail(error instanceof DashboardBuildError ? error.message : String(error));
    }
  }
  const stopping = untilSignal();
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  try {
    dashboard = await startDashboard({
      distDir: dist,
      host: raw.host,
      port: Number(raw.port),
      upstreams: { coordinator: raw.coordinator, fleet: raw.fleet, agent: raw.agent },
      // Readable lines among the ones printed below, not pino's JSON.
      logger: webLogger("warn"),
    });
  } catch (error) {
    fail(errorMessage(error));
  }
  process.stdout.write(
    [
      `Dashboard on ${dashboard.url}`,
      ...(["coordinator", "fleet", "agent"] as const).map(
        (name) => `  ${name.padEnd(12)} ${raw[name] ?? "(not given)"}`,
      ),
      "Open it and enter each service's keys on the Connections page; they stay in that browser tab.",
      "",
    ].join("\n"),
  );
  const signal = await stopping;
  const progress = spinner(`${signal}: stopping the dashboard`);
  await dashboard.close();
  progress.succeed("dashboard stopped");
}

export function registerUpCommands(program: Command): void {
  program
    .command("up")
    .description(
      "Start the whole stack on this machine with embedded defaults: the coordinator (SQLite), a compute miner and the agent API on the tiny model, the fleet controller with a simulated fleet, and the dashboard",
    )
    .option("--data <dir>", "where databases, ledgers, keys and logs are kept", "./data")
    .option(
      "--postgres <url>",
      "use this PostgreSQL database (postgres://…) for the coordinator, the agent and the fleet ledger instead of SQLite files",
    )
    .option("--host <address>", "address every service listens on", "127.0.0.1")
    .option("--port <port>", `dashboard port (default: ${DEFAULT_PORTS.dashboard})`, portArgument)
    .option("--coordinator-port <port>", `coordinator port (default: ${DEFAULT_PORTS.coordinator})`, portArgument)
    .option("--agent-port <port>", `agent API port (default: ${DEFAULT_PORTS.agent})`, portArgument)
    .option("--fleet-port <port>", `fleet controller port (default: ${DEFAULT_PORTS.fleet})`, portArgument)
    .option("--miners <n>", "simulated ASIC miners in the fleet (default: 36)")
    .option(
      "--ledger-archive-dir <dir>",
      "move ledger records older than --ledger-archive-after-days to this directory (another disk, a NAS mount): the coordinator's to <dir>/coordinator, the fleet's to <dir>/fleet (default: off)",
    )
    .option(
      "--ledger-archive-after-days <n>",
      "days ledger records stay before --ledger-archive-dir takes them (default: 30)",
    )
    .option("--log-level <level>", "debug, info, warn or error (logs go to <data>/logs)", "info")
    .option(
      "--json",
      "print the summary as one JSON line on stdout (for scripts); keys and the login code only on a terminal, else the files that hold them (keys.json, login-code)",
    )
    .option(
      "--show-keys",
      "print the keys and the login code even when stdout is not a terminal (a pipe, a file, a log)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  npx pithead up                                # everything on this machine, data in ./data\n  npx pithead up --postgres postgres://pithead@localhost/pithead\n  npx pithead up --port 9000 --coordinator-port 9080\n  npx pithead up --ledger-archive-dir /mnt/nas/pithead   # old ledger records move there after 30 days\n\nCtrl-C stops the miner first (a running job gets its grace period, 30 s, to finish, or is given back), then every service; Ctrl-C while it is still starting stops what has started and exits 130.\nA --data and the database it ran with belong together: up refuses to start when the ledgers it would write are signed by keys its --data does not hold.\nup configures its services itself and does not read their environment (LEDGER_ARCHIVE_DIR, PITHEAD_LEDGER_ARCHIVE_DIR, …): use the flags above.\nVerify an archived ledger with its archive: pithead ledger verify <data>/fleet/fleet-ledger --archive <dir>/fleet",
    )
    .action(up);

  program
    .command("web")
    .description(
      "Serve the dashboard in front of services deployed elsewhere (each proxied under one origin; keys are entered in the browser)",
    )
    .option("--coordinator <url>", "the coordinator's base URL, e.g. http://10.0.0.5:8080")
    .option("--fleet <url>", "the fleet controller's base URL, e.g. http://10.0.0.6:3001")
    .option("--agent <url>", "the agent API's base URL, e.g. http://10.0.0.7:8001")
    // A port is a string here (portArgument keeps it as typed); its default reads 8090, not "8090".
    .addOption(
      new Option("--port <port>", "dashboard port")
        .argParser(portArgument)
        .default(String(DEFAULT_PORTS.dashboard), String(DEFAULT_PORTS.dashboard)),
    )
    .option("--host <address>", "dashboard listen address", "127.0.0.1")
    .addHelpText(
      "after",
      "\nExample:\n  npx pithead web --coordinator http://10.0.0.5:8080 --fleet http://10.0.0.6:3001 --agent http://10.0.0.7:8001\n",
    )
    .action(web);
}
