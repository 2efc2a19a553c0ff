// `pithead fleet …`: the ASIC fleet controller. start (the API and the loop; a simulated fleet
// when no miner is configured), cycle (one cycle, against a running controller or in-process),
// replay (re-derive every decision from the ledger), probe (poll one miner), simulate (serve
// simulated miners) and sign (headers for a signed request). Configuration comes from the
// environment and a .env file (see packages/fleet/README.md).

import { existsSync, readFileSync, statSync } from "node:fs";
import type { CycleReport, FleetConfig, FleetSimulator, Recorder, ReplayReport } from "@pithead/fleet";
import type { Ledger } from "@pithead/ledger";
import { Command, Option } from "commander";
import { exitCodesHelp } from "../exit-help.ts";
import { fleetSecret } from "../fleet-secret.ts";
import { EXIT_CANNOT, EXIT_FAILED, EXIT_USAGE, errorMessage, fail, printResult } from "../output.ts";
import { progressBar, spinner } from "../progress.ts";
import { serverLogger } from "../server-log.ts";
import { runOnceHint } from "./fleet-run-once-hint.ts";
import { checkedFleetUrl } from "./fleet-url.ts";

// Loaded when a fleet command runs, so `pithead` itself starts without the fleet's dependencies.
const fleet = () => import("@pithead/fleet");

/** A .env problem, naming --dotenv when that option named the file (else it is ./.env). */
function dotenvProblem(dotenv: string | undefined, error: Error): string {
  return dotenv === undefined ? error.message : `--dotenv: ${error.message}`;
}

/**
 * The configuration from the environment and a .env file: --dotenv's file, which must exist, or
 * ./.env when present. (Not --env-file: Node takes that flag for itself before Pithead runs.)
 */
async function loadConfig(
  dotenv: string | undefined,
  overrides: Record<string, string | undefined> = {},
): Promise<FleetConfig> {
  const { ConfigError, DotenvFileError, environmentWithDotenv, loadFleetConfig } = await fleet();
  let env: Record<string, string | undefined>;
  try {
    env = { ...environmentWithDotenv(process.env, dotenv) };
  } catch (error) {
    if (error instanceof DotenvFileError) fail(dotenvProblem(dotenv, error), 2);
    throw error;
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) env[key] = value;
  try {
    return loadFleetConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 2);
    throw error;
  }
}

/** The thresholds a probe checks against: the configuration's policy variables, or the defaults. */
async function loadProbePolicy(dotenv: string | undefined) {
  const { ConfigError, DotenvFileError, environmentWithDotenv, loadPolicy } = await fleet();
  try {
    return loadPolicy(environmentWithDotenv(process.env, dotenv));
  } catch (error) {
    if (error instanceof DotenvFileError) fail(dotenvProblem(dotenv, error), 2);
    if (error instanceof ConfigError) fail(error.message, 2);
    throw error;
  }
}

const dotenvOption = [
  "--dotenv <file>",
  "read settings from this .env file (default: ./.env when present; the environment wins)",
] as const;

function positiveInt(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) fail(`${name} must be a whole number, got '${value}'`, EXIT_USAGE);
    return parsed;
  };
}

/** A TCP port: refused here naming the option, not by Node's listen() in its own words. */
function portNumber(name: string, min: 0 | 1) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > 65535)
      fail(`${name} must be a port number, ${min} to 65535, got '${value}'`, EXIT_USAGE);
    return parsed;
  };
}

/** A whole number of at least 1 (a deadline of 0 ms could never be met). */
function atLeastOne(name: string, unit: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1)
      fail(`${name} must be a whole number of ${unit}, at least 1, got '${value}'`, EXIT_USAGE);
    return parsed;
  };
}

/** Resolves on SIGINT/SIGTERM; a second signal exits at once. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (signal: string) => {
      process.once("SIGINT", () => process.exit(130));
      process.once("SIGTERM", () => process.exit(143));
      resolve(signal);
    };
    process.once("SIGINT", () => handler("SIGINT"));
    process.once("SIGTERM", () => handler("SIGTERM"));
  });
}

function startCommand(): Command {
  return new Command("start")
    .description(
      "Run the fleet controller: the REST API (on port 3001 unless --port or PORT says otherwise), each operator's loop and its ledger. With no miner configured it runs a simulated fleet.",
    )
    .option(...dotenvOption)
    .option("--port <port>", "listen on this port (overrides PORT)", portNumber("--port", 0))
    .option("--host <host>", "listen on this address (overrides HOST)")
    .option("--no-loop", "do not run cycles on a period; only /loop/run-once")
    .option(
      "--simulated <miners>",
      "miners in the simulated fleet when none is configured (overrides SIMULATED_MINERS)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  pithead fleet start                      # 24 simulated miners, API on http://127.0.0.1:3001\n  MINER_0_IP=192.168.1.101 API_SECRET=... pithead fleet start\n" +
        exitCodesHelp({
          done: "stopped by SIGTERM/SIGINT",
          failed: "it did not start (the port in use, the ledger in use by another controller or unreadable)",
          usage: "an option, or a setting the environment or .env gives, refused; a --dotenv that is not there",
          more: "130 (SIGINT) or 143 (SIGTERM) a second signal while stopping",
        }),
    )
    .action(async (options: { dotenv?: string; port?: number; host?: string; loop: boolean; simulated?: string }) => {
      const config = await loadConfig(options.dotenv, { HOST: options.host, SIMULATED_MINERS: options.simulated });
      const { startFleetService } = await fleet();
      const progress = spinner("starting the fleet controller");
      let service: Awaited<ReturnType<typeof startFleetService>>;
      try {
        service = await startFleetService(config, {
          port: options.port,
          loop: options.loop ? undefined : false,
          logger: serverLogger(process.env.LOG_LEVEL ?? "info"),
        });
      } catch (error) {
        progress.fail("the fleet controller did not start");
        // Another controller on this data: where it already serves (what was most likely wanted).
        const running =
          (error as Error).name === "FleetLedgerInUseError"
            ? (await fleet()).runningController(config.dataDir)
            : undefined;
        fail(`${errorMessage(error)}${running ? `\n  it listens on ${running.url} (process ${running.pid})` : ""}`);
      }
      progress.succeed(`fleet controller listening on ${service.url} (OpenAPI at ${service.url}/docs)`);
      for (const entry of service.quarantined.values()) {
        process.stderr.write(
          `  QUARANTINED operator ${entry.operator.id}: ledger partition ${entry.partition} cannot be read back (${entry.damage}); its cycles do not run and its routes answer 503. Run: ${entry.verify}\n`,
        );
      }
      for (const controller of service.controllers.values()) {
        process.stderr.write(
          `  operator ${controller.operator.id}: ${controller.miners().length} miner${controller.miners().length === 1 ? "" : "s"}, ${controller.mode}${controller.dryRun ? ", dry-run" : ""}, ledger partition ${controller.partition}\n`,
        );
      }
      if (service.simulator) {
        const { describeEndpoints } = await fleet();
        process.stderr.write(
          `  no miners configured: ${describeEndpoints(service.simulator.endpoints(), "GET /miners")}\n`,
        );
      }
      for (const [operatorId, file] of service.generatedSecretFiles) {
        process.stderr.write(
          `  operator ${operatorId}'s HMAC secret is in ${file} (sign requests with: npx pithead fleet sign --operator ${operatorId} --secret-file ${file} ...)\n`,
        );
      }
      if (config.auth.disabled)
        process.stderr.write("  WARNING: AUTH_DISABLED=true — anyone who can reach the port controls the fleet\n");
      const signal = await untilSignal();
      const closing = spinner(`${signal}: finishing the running cycle and closing`);
      await service.close();
      closing.succeed("fleet controller stopped");
    });
}

async function signedFetch(
  url: string,
  operatorId: string,
  secret: string,
  method: string,
  path: string,
): Promise<unknown> {
  const { signFleetRequest } = await import("@pithead/fleet/sign");
  const headers = await signFleetRequest({ operatorId, secret, method, path });
  let response: Response;
  try {
    response = await fetch(new URL(path, url), { method, headers });
  } catch (error) {
    fail(`cannot reach ${url}: ${errorMessage((error as { cause?: unknown }).cause ?? error)}`);
  }
  const body = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!response.ok)
    fail(
      `${method} ${path}: HTTP ${response.status} ${body.error ? `${body.error.code}: ${body.error.message}` : ""}`.trim(),
    );
  return body;
}

function cycleCommand(): Command {
  return new Command("cycle")
    .description(
      "Run one cycle and print its decisions: against a running controller (--url, signed) or in-process from the configuration",
    )
    .option(
      "--url <url>",
      "a running controller, e.g. http://127.0.0.1:3001 (default: in-process)",
      process.env.FLEET_URL,
    )
    .option("--operator <id>", "the operator (default: every operator in-process; required with --url)")
    .option(
      "--secret <secret>",
      "the operator's HMAC secret with --url (visible in ps; prefer --secret-file or FLEET_SECRET)",
    )
    .option("--secret-file <file>", "file holding the operator's HMAC secret")
    .option("--dotenv <file>", ".env file for the in-process run (default: ./.env when present)")
    .option("--all", "print every miner's decision, HOLDs included")
    .option("--json", "print the cycle report(s) as JSON")
    .addHelpText(
      "after",
      exitCodesHelp({
        failed:
          "the cycle failed, the fleet's ledger is in use or unreadable, or the controller (--url) is unreachable or refuses the request",
        usage: "an option, a --secret-file or --dotenv that is not there, an operator not configured",
      }),
    )
    .action(
      async (
        options: {
          url?: string;
          operator?: string;
          secret?: string;
          secretFile?: string;
          dotenv?: string;
          all?: boolean;
          json?: boolean;
        },
        command: Command,
      ) => {
        // In-process the ledger is written directly and nothing is signed: a secret given without
        // --url most likely means the --url was forgotten, and would otherwise be ignored.
        if (!options.url && (options.secret !== undefined || options.secretFile !== undefined))
          fail(
            `${options.secretFile !== undefined ? "--secret-file" : "--secret"} signs the request to a running controller: give its --url too (without --url the cycle runs in-process)`,
            EXIT_USAGE,
          );
        if (options.url) {
          checkedFleetUrl(options.url, command.getOptionValueSource("url") === "cli" ? "--url" : "FLEET_URL");
          if (!options.operator) fail("--operator is required with --url", EXIT_USAGE);
          const secret = fleetSecret(options, true) as string;
          const progress = spinner(`running a cycle for ${options.operator} on ${options.url}`);
          const report = (await signedFetch(
            options.url,
            options.operator,
            secret,
            "POST",
            `/operators/${encodeURIComponent(options.operator)}/loop/run-once`,
          )) as CycleReport;
          progress.succeed(`cycle done (ledger record #${report.cycleSeq})`);
          const { formatCycle } = await fleet();
          printResult(Boolean(options.json), report, () => formatCycle(report, { all: options.all }));
          return;
        }
        const config = await loadConfig(options.dotenv);
        const { formatCycle, openFleet } = await fleet();
        const progress = spinner("opening the ledger and the fleet");
        let opened: Awaited<ReturnType<typeof openFleet>>;
        try {
          // A snapshot that cannot be written, a ledger file it cannot make private: said, not lost.
          opened = await openFleet(config, {
            onLedgerWarning: (message) =>
              process.stderr.write(`${process.stderr.isTTY ? "\r\x1b[2K" : ""}warning: ${message}\n`),
          });
        } catch (error) {
          progress.fail("cannot open the fleet");
          if ((error as Error).name === "FleetLedgerInUseError")
            fail(
              `${errorMessage(error)}\n${runOnceHint(config, options.operator, (await fleet()).runningController(config.dataDir))}`,
            );
          fail(errorMessage(error));
        }
        try {
          // A quarantined operator (its partition cannot be read back) gets no cycle: say so, and
          // the command fails, so a cron job hears of the damage while the others are cycled.
          const damaged = [...opened.quarantined.values()].filter(
            (entry) => !options.operator || entry.operator.id === options.operator,
          );
          const chosen = options.operator
            ? damaged.length > 0
              ? []
              : [opened.controllers.get(options.operator)]
            : [...opened.controllers.values()];
          if (chosen.some((controller) => controller === undefined))
            fail(
              `no operator '${options.operator}' (configured: ${[...opened.controllers.keys()].join(", ")})`,
              EXIT_USAGE,
            );
          const reports: CycleReport[] = [];
          for (const controller of chosen) {
            if (!controller) continue;
            progress.update(`cycle for ${controller.operator.id}: polling ${controller.miners().length} miners`);
            try {
              reports.push(await controller.runCycle());
            } catch (error) {
              progress.fail(`the cycle for ${controller.operator.id} failed`);
              await opened.close();
              fail(errorMessage(error));
            }
          }
          progress.succeed(`${reports.length} ${reports.length === 1 ? "cycle" : "cycles"} done`);
          printResult(Boolean(options.json), reports, () =>
            reports.map((report) => formatCycle(report, { all: options.all })).join("\n\n"),
          );
          for (const entry of damaged) {
            process.stderr.write(
              `error: operator ${entry.operator.id} is quarantined, no cycle ran for it: ledger partition ${entry.partition} cannot be read back (${entry.damage}); run: ${entry.verify}\n`,
            );
            process.exitCode = 1;
          }
        } finally {
          await opened.close();
        }
      },
    );
}

/**
 * The ledger as replay reads it, its archived records looked for in every --archive directory (each
 * segment first in the one its manifest line names): an archive whose directory changed is split.
 */
function readingArchives(ledger: Ledger, archives: readonly string[]): Recorder {
  return {
    append: ledger.append.bind(ledger),
    appendBatch: ledger.appendBatch.bind(ledger),
    get: ledger.get.bind(ledger),
    read: ledger.read.bind(ledger),
    size: ledger.size.bind(ledger),
    ...(ledger.archived ? { archived: ledger.archived.bind(ledger) } : {}),
    ...(ledger.readArchived ? { readArchived: (partition: string) => ledger.readArchived!(partition, archives) } : {}),
  };
}

function replayCommand(): Command {
  return new Command("replay")
    .description(
      "Re-derive every decision from the ledger alone and report any that differ (exit code 1 if one decided under the current decision rules does; cycles from older rules are reported apart)",
    )
    .option("--operator <id>", "only this operator (default: every configured operator)")
    .option(
      "--archive <dir>",
      "read the records moved to the ledger's archive (LEDGER_ARCHIVE_DIR) from this directory too (default: replay from the archive boundary, saying how many records lie in the archive); repeatable, for an archive whose directory changed between runs",
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option(...dotenvOption)
    .option("--json", "print the replay report(s) as JSON")
    .addHelpText(
      "after",
      exitCodesHelp({
        done: "every decision re-derived matches",
        failed:
          "a decision under the current rules differs, the ledger is damaged, or an --operator's partition is empty",
        usage: "an option, a --dotenv that is not there, an --operator neither configured nor recorded",
        more: "3 nothing could be checked (an --archive directory or an archived segment not found, no cycle re-derivable)",
      }),
    )
    .action(async (options: { operator?: string; archive: string[]; dotenv?: string; json?: boolean }) => {
      for (const archive of options.archive) {
        // A directory that is not there is most likely an unmounted disk, not a typo: the replay cannot run.
        if (!existsSync(archive))
          fail(`--archive ${archive}: the archive directory does not exist (is it mounted?)`, EXIT_CANNOT);
        if (!statSync(archive).isDirectory()) fail(`--archive ${archive} is not a directory`, EXIT_USAGE);
      }
      const config = await loadConfig(options.dotenv);
      const { checkedNothing, formatReplay, partitionFor, replayPartition } = await fleet();
      const { openLedger, loadOrCreateSigner } = await import("@pithead/ledger");
      let ledger: Awaited<ReturnType<typeof openLedger>>;
      try {
        ledger = await openLedger({ ...config.ledger, signer: loadOrCreateSigner(config.keyFile, "pithead-fleet") });
      } catch (error) {
        fail(`cannot open the ledger: ${errorMessage(error)}`);
      }
      try {
        const operators = options.operator ? [options.operator] : config.operators.map((operator) => operator.id);
        const reports: ReplayReport[] = [];
        for (const operatorId of operators) {
          const partition = partitionFor(operatorId);
          const total = await ledger.size(partition);
          const configured = config.operators.map((operator) => operator.id);
          // A typo: say which operators there are. (One no longer configured still replays its ledger.)
          if (total === 0 && options.operator && !configured.includes(operatorId))
            fail(
              `--operator: no operator '${operatorId}' is configured and its partition ${partition} is empty (configured: ${configured.join(", ")})`,
              EXIT_USAGE,
            );
          if (total === 0 && options.operator)
            fail(`partition ${partition} is empty: no cycles recorded for operator '${operatorId}'`);
          const bar = progressBar(`replaying ${partition}`, total);
          try {
            reports.push(
              await replayPartition(readingArchives(ledger, options.archive), partition, operatorId, {
                onProgress: (done) => bar.tick(done, `${done}/${total} records`),
                // Replay reads the archive when given one; readingArchives looks in every --archive.
                ...(options.archive.length > 0 ? { archive: options.archive[0]! } : {}),
              }),
            );
          } catch (error) {
            bar.finish();
            const name = (error as Error).name;
            // An archived segment in no given directory: not checked (3); one that was altered: damage (1).
            if (name === "ArchiveUnavailableError") fail(errorMessage(error), EXIT_CANNOT);
            if (name === "LedgerCorruptError") fail(errorMessage(error), EXIT_FAILED);
            throw error;
          }
          bar.finish();
        }
        printResult(Boolean(options.json), reports, () => reports.map(formatReplay).join("\n"));
        if (reports.some((report) => !report.ok)) process.exitCode = EXIT_FAILED;
        // No difference because nothing was compared: the check could not run.
        else if (reports.some(checkedNothing)) process.exitCode = EXIT_CANNOT;
      } finally {
        await ledger.close();
      }
    });
}

function probeCommand(): Command {
  return new Command("probe")
    .description(
      "Poll one miner over the CGMiner API (TCP 4028) and print its firmware, model, normalised telemetry and what each action would do",
    )
    .argument("<address>", "host[:port] of the miner, e.g. 192.168.1.101 or 10.0.0.5:4029")
    .option("--model <model>", "the model when the firmware does not say (s19, s21, m30s, avalon-1246, …)")
    .option("--timeout <ms>", "total deadline per request", atLeastOne("--timeout", "ms"), 5_000)
    .option(
      "--dotenv <file>",
      "read the check thresholds (TEMP_STOP_C, …) from this .env file (default: ./.env when present; the environment wins)",
    )
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      exitCodesHelp({
        done: "the miner answered (the checks it prints do not change the code)",
        failed: "the miner gave no telemetry (unreachable, refused, timed out, not a CGMiner API)",
      }),
    )
    .action(async (address: string, options: { model?: string; timeout: number; dotenv?: string; json?: boolean }) => {
      const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(address);
      const port = Number(match?.[2] ?? 4028);
      if (!match || port < 1 || port > 65535) fail(`address must be host[:port], got '${address}'`, EXIT_USAGE);
      const host = (match[1] as string).replace(/^\[|\]$/g, "");
      const { CgminerAdapter, formatTelemetry, minerHostProblem, modelById, models, probeDivergences } = await fleet();
      const policy = await loadProbePolicy(options.dotenv);
      // The configuration's own check: a typo is refused here as it would be there, not sent to DNS.
      const hostProblem = minerHostProblem(host);
      if (hostProblem) fail(`address ${hostProblem}`, EXIT_USAGE);
      if (options.model !== undefined && !modelById(options.model))
        fail(
          `--model: unknown model '${options.model}' (known: ${models.map((model) => model.id).join(", ")})`,
          EXIT_USAGE,
        );
      const adapter = new CgminerAdapter({
        transport: { connectTimeoutMs: Math.min(options.timeout, 3_000), totalTimeoutMs: options.timeout },
      });
      const progress = spinner(`polling ${host}:${port}`);
      const result = await adapter.poll({
        id: "probe",
        host,
        port,
        ...(options.model ? { model: options.model } : {}),
      });
      if (!result.ok) {
        progress.fail(`${host}:${port} did not give telemetry`);
        if (options.json) printResult(true, result, () => "");
        fail(`${result.failure}: ${result.reason}`);
      }
      progress.succeed(`${host}:${port} answered in ${Math.round(result.elapsedMs)} ms`);
      const now = Date.now();
      // What a cycle would find wrong (107 °C chips, 360 TH/s on a 90 TH/s machine), by its codes.
      const checks = probeDivergences("probe", result.telemetry, now, policy);
      printResult(
        Boolean(options.json),
        {
          address: `${host}:${port}`,
          elapsedMs: Math.round(result.elapsedMs),
          joinedCommands: adapter.profile("probe").joined,
          telemetry: result.telemetry,
          checks: checks.map(({ minerId: _, ...divergence }) => divergence),
        },
        () => formatTelemetry(`${host}:${port}`, result.telemetry, now, checks),
      );
    });
}

function simulateCommand(): Command {
  return new Command("simulate")
    .description("Serve simulated miners over the CGMiner API on real TCP listeners until Ctrl-C")
    .option("--miners <n>", "how many miners", atLeastOne("--miners", "miners"), 24)
    .addOption(
      new Option(
        "--addressing <mode>",
        "ports: one port each on --host; hosts: port --port on 127.x.y.z addresses from --base",
      )
        .choices(["ports", "hosts"])
        .default("ports"),
    )
    .option("--host <host>", "address for --addressing ports", "127.0.0.1")
    .option(
      "--base-port <port>",
      "first port for --addressing ports (default: ports chosen by the kernel)",
      portNumber("--base-port", 1),
    )
    .option("--base <address>", "first loopback address for --addressing hosts", "127.1.0.1")
    .option("--port <port>", "port for --addressing hosts", portNumber("--port", 1), 4028)
    .option(
      "--models <ids>",
      "comma-separated model ids to cycle through (s9, s17-pro, s19, s19-xp, s21, m30s, avalon-1246, cgminer-asc)",
    )
    .option(
      "--fault <miner=fault...>",
      "inject a fault, e.g. sim-003=over-temperature, sim-007=malformed:garbage, sim-009=slow:3000 (repeatable)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--seed <n>", "random seed", positiveInt("--seed"), 1)
    .option("--json", "print the endpoints as JSON (one line) once listening")
    .addHelpText(
      "after",
      exitCodesHelp({
        done: "stopped by Ctrl-C (SIGINT) or SIGTERM",
        failed: "it did not start (a port in use, an address not on this machine)",
        usage: "an option or its value: an unknown --models id, a --fault for a miner or of a kind there is not",
      }),
    )
    .action(
      async (options: {
        miners: number;
        addressing: "ports" | "hosts";
        host: string;
        basePort?: number;
        base: string;
        port: number;
        models?: string;
        fault?: string[];
        seed: number;
        json?: boolean;
      }) => {
        const { FleetSimulator, modelById, models, parseFault } = await fleet();
        // The command line's mistakes are said naming the option, before any listener opens.
        const modelIds = options.models?.split(",").map((id) => id.trim());
        const unknownModel = modelIds?.find((id) => !modelById(id));
        if (unknownModel !== undefined)
          fail(
            `--models: unknown model '${unknownModel}' (known: ${models.map((model) => model.id).join(", ")})`,
            EXIT_USAGE,
          );
        if (options.basePort !== undefined && options.basePort + options.miners - 1 > 65535)
          fail(
            `--base-port ${options.basePort} leaves no room for ${options.miners} miners (ports up to 65535): at most ${65536 - options.miners}`,
            EXIT_USAGE,
          );
        const faults: { spec: string; minerId: string; fault: ReturnType<typeof parseFault> }[] = [];
        for (const spec of options.fault ?? []) {
          const [minerId, fault] = spec.split("=", 2);
          if (!minerId || !fault) fail(`--fault must be <miner>=<fault>, got '${spec}'`, EXIT_USAGE);
          try {
            faults.push({ spec, minerId, fault: parseFault(fault) });
          } catch (error) {
            fail(`--fault ${spec}: ${errorMessage(error)}`, EXIT_USAGE);
          }
        }
        const progress = options.json ? undefined : spinner(`starting ${options.miners} simulated miners`);
        let simulator: FleetSimulator;
        try {
          simulator = await FleetSimulator.start({
            miners: options.miners,
            seed: options.seed,
            models: modelIds,
            addressing:
              options.addressing === "hosts"
                ? { mode: "hosts", base: options.base, port: options.port }
                : { mode: "ports", host: options.host, basePort: options.basePort },
          });
        } catch (error) {
          progress?.fail("the simulator did not start");
          fail(errorMessage(error));
        }
        for (const { spec, minerId, fault } of faults) {
          try {
            await simulator.setFault(minerId, fault);
          } catch (error) {
            // A miner id the fleet does not have (sim-001 … as many as --miners).
            progress?.fail("the simulator did not start");
            await simulator.close();
            fail(`--fault ${spec}: ${errorMessage(error)}`, EXIT_USAGE);
          }
        }
        const endpoints = simulator.endpoints();
        if (options.json) process.stdout.write(`${JSON.stringify({ endpoints })}\n`);
        else {
          progress?.succeed(`${endpoints.length} simulated miners listening (CGMiner API; Ctrl-C to stop)`);
          const { describeEndpoints } = await fleet();
          const first = endpoints[0];
          process.stdout.write(`  ${describeEndpoints(endpoints, "--json")}\n`);
          for (const endpoint of endpoints.slice(0, 8))
            process.stdout.write(`  ${endpoint.id}  ${endpoint.model.padEnd(12)} ${endpoint.host}:${endpoint.port}\n`);
          if (endpoints.length > 8)
            process.stdout.write(
              `  … ${endpoints.length - 8} more\n  try: npx pithead fleet probe ${first?.host}:${first?.port}\n`,
            );
        }
        await untilSignal();
        await simulator.close();
      },
    );
}

const httpMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

function signCommand(): Command {
  return new Command("sign")
    .description("Print the headers of a signed fleet API request (curl-ready), see packages/fleet/docs/auth.md")
    .requiredOption("--operator <id>", "operator id")
    .option("--secret <secret>", "the operator's HMAC secret (visible in ps; prefer --secret-file or FLEET_SECRET)")
    .option("--secret-file <file>", "file holding the operator's HMAC secret")
    .option("--method <method>", "HTTP method", "GET")
    .requiredOption("--path <path>", "path with query exactly as sent, e.g. /operators/op-1/miners")
    .option("--body <json>", "the exact body that will be sent")
    .option("--body-file <file>", "file holding the exact body")
    .option("--idempotency-key <key>", "send and sign this Idempotency-Key (POST /miners/:id/start|stop|restart)")
    .option("--url <base>", "print a complete curl command against this base URL")
    .option("--json", "print the headers as JSON")
    .addHelpText(
      "after",
      exitCodesHelp({
        failed: "the request could not be signed",
        usage: "an option, a --secret-file or --body-file that cannot be read, a --body that is not JSON",
      }),
    )
    .action(
      async (options: {
        operator: string;
        secret?: string;
        secretFile?: string;
        method: string;
        path: string;
        body?: string;
        bodyFile?: string;
        idempotencyKey?: string;
        url?: string;
        json?: boolean;
      }) => {
        const secret = fleetSecret(options, true) as string;
        // The command line's mistakes (2), not a request that could not be signed (1).
        if (options.url !== undefined) checkedFleetUrl(options.url, "--url");
        if (!options.path.startsWith("/"))
          fail(`--path must start with '/' (the path with its query, e.g. /miners), got '${options.path}'`, EXIT_USAGE);
        if (!httpMethods.includes(options.method.toUpperCase()))
          fail(`--method must be one of ${httpMethods.join(", ")}, got '${options.method}'`, EXIT_USAGE);
        let body = options.body;
        if (options.bodyFile) {
          try {
            body = readFileSync(options.bodyFile, "utf8");
          } catch (error) {
            fail(`cannot read --body-file: ${errorMessage(error)}`, EXIT_USAGE);
          }
        }
        if (body !== undefined) {
          try {
            JSON.parse(body);
          } catch {
            fail("--body must be the JSON that will be sent", EXIT_USAGE);
          }
        }
        const { signFleetRequest } = await import("@pithead/fleet/sign");
        let headers: Record<string, string>;
        try {
          headers = await signFleetRequest({
            operatorId: options.operator,
            secret,
            method: options.method,
            path: options.path,
            body,
            ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
          });
        } catch (error) {
          fail(errorMessage(error));
        }
        const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;
        printResult(Boolean(options.json), headers, () => {
          const flags = Object.entries(headers).map(([name, value]) => `-H ${quote(`${name}: ${value}`)}`);
          if (body !== undefined) flags.push(`-H 'content-type: application/json'`, `--data-binary ${quote(body)}`);
          if (options.url)
            return `curl -sS -X ${options.method.toUpperCase()} ${flags.join(" ")} ${quote(new URL(options.path, options.url).toString())}`;
          return `${flags.join(" \\\n")}\n# valid for 60 s, once`;
        });
      },
    );
}

export function registerFleetCommands(program: Command): void {
  program.addCommand(
    new Command("fleet")
      .description("The ASIC fleet controller: telemetry, profit, governed decisions and their evidence")
      .addCommand(startCommand())
      .addCommand(cycleCommand())
      .addCommand(replayCommand())
      .addCommand(probeCommand())
      .addCommand(simulateCommand())
      .addCommand(signCommand()),
  );
}
