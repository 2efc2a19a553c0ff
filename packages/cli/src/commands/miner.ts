// `pithead miner …`: run the compute miner daemon, check what this machine can run, and look
// at the results waiting in WORK_DIR. Settings come from flags > environment > the config file
// (`--config`, $MINER_CONFIG, else /etc/pithead/miner.conf when it exists) > defaults.

import { existsSync } from "node:fs";
import {
  apiKeyOrigin,
  CONFIG_KEYS,
  type ConfigKey,
  createLogger,
  type DoctorReport,
  isPlaceholderApiKey,
  type LoadMinerConfigOptions,
  loadMinerConfig,
  type MinerConfig,
  MinerConfigError,
  MinerStartError,
  minerDoctor,
  placeholderApiKeyText,
  ResultStore,
  startMiner,
} from "@pithead/miner";
import { Command, Option } from "commander";
import { droppedNoticeText } from "../dropped-log-lines.ts";
import { exitCodesHelp } from "../exit-help.ts";
import { FdLog } from "../fd-log.ts";
import { errorMessage, fail, printResult } from "../output.ts";
import { spinner } from "../progress.ts";

const DEFAULT_CONFIG = "/etc/pithead/miner.conf";
/** EX_CONFIG: the unit's RestartPreventExitStatus, so systemd does not restart a miner whose key is refused. */
const EXIT_CREDENTIALS_REFUSED = 78;

/** `--coord-url` → `coordUrl`, as commander names option values. */
function attribute(flag: string): string {
  return flag.replace(/^--/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function addConfigOptions(command: Command): Command {
  command.option(
    "--config <file>",
    `config file (KEY="value" lines; default: $MINER_CONFIG, else ${DEFAULT_CONFIG} if present)`,
  );
  for (const def of CONFIG_KEYS) {
    const note = def.secret ? " (visible in ps; prefer the config file)" : "";
    const fallback = def.fallback !== undefined ? ` (default: ${def.fallback})` : "";
    command.addOption(new Option(`${def.flag} <value>`, `${def.key}: ${def.description}${note}${fallback}`));
  }
  return command;
}

function configFrom(options: Record<string, unknown>, requireConnection: boolean): MinerConfig {
  const flags: Partial<Record<ConfigKey, string>> = {};
  for (const def of CONFIG_KEYS) {
    const value = options[attribute(def.flag)];
    if (typeof value === "string") flags[def.key as ConfigKey] = value;
  }
  const file =
    (options.config as string | undefined) ??
    (process.env.MINER_CONFIG || (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined));
  const load: LoadMinerConfigOptions = { file, flags, requireConnection };
  try {
    return loadMinerConfig(load);
  } catch (error) {
    if (error instanceof MinerConfigError) fail(error.message, 2);
    throw error;
  }
}

function startCommand(): Command {
  return addConfigOptions(
    new Command("start")
      .description(
        "Run the compute miner: heartbeat, long-poll for jobs, run them in MAX_CONCURRENCY slots, prove and deliver results. " +
          "SIGTERM/SIGINT stop it gracefully (running jobs get SHUTDOWN_GRACE_SECS, then are given back); a second signal exits at once.",
      )
      .addHelpText(
        "after",
        "\nExample (API_KEY from the environment or the config file: as a flag it shows in ps):\n  API_KEY=<key> pithead miner start --coord-url http://127.0.0.1:8080 --wallet-addr wallet_demo --work-dir ./data/miner\n  pithead miner start --config /etc/pithead/miner.conf\n" +
          exitCodesHelp({
            done: "stopped by SIGTERM/SIGINT",
            failed: "it could not start (another miner uses WORK_DIR, no workload can run here) or its stop failed",
            usage:
              "a setting refused, from a flag, the environment or the config file, ACCEL_MODE=gpu without a GPU among them; nothing was written",
            more: "78 (EX_CONFIG) the coordinator refuses its credentials (API_KEY, MINER_ID): retrying cannot fix them, and systemd does not restart it; 130 a second signal while stopping",
          }),
      ),
  ).action(async (options: Record<string, unknown>) => {
    const config = configFrom(options, true);
    let running: Awaited<ReturnType<typeof startMiner>>;
    try {
      // Its log on stdout: a full disk or a closed pipe drops lines (fd-log.ts), never the miner.
      const stdout = new FdLog(1, droppedNoticeText);
      running = await startMiner(config, {
        log: createLogger(config.logLevel, (line) => stdout.write(`${line}\n`)),
      });
    } catch (error) {
      // A value the configuration refuses is the command line's (2), wherever it was found, and so
      // is ACCEL_MODE=gpu on a machine without one (refused before anything is written); a start
      // check that fails later (another miner's WORK_DIR, no workload to offer) is a failed run (1).
      if (error instanceof MinerConfigError) fail(error.message, 2);
      if (error instanceof MinerStartError) fail(error.message);
      fail(errorMessage(error));
    }
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`${signal} again: exiting now; unsent results stay in ${config.workDir}\n`);
        process.exit(130);
      }
      stopping = true;
      running.stop().then(
        () => process.exit(0),
        (error: unknown) => fail(`stop failed: ${(error as Error).message}`),
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    // Refused credentials: retrying cannot fix them, and a miner that keeps running looks healthy
    // doing nothing. An outage never settles this; the miner retries it with backoff.
    void running.miner.credentialsRefused().then(async (reason) => {
      if (stopping) return;
      stopping = true;
      await running.stop(0).catch(() => undefined);
      // The installer's placeholder is named as such: "fix API_KEY" alone reads as a typo to find.
      const fix = isPlaceholderApiKey(config.apiKey)
        ? placeholderApiKeyText(apiKeyOrigin(config))
        : `fix ${apiKeyOrigin(config)} or MINER_ID ${config.minerId}`;
      fail(
        `the coordinator at ${config.coordUrl} refuses this miner's credentials (${reason}): ${fix}, then start again`,
        EXIT_CREDENTIALS_REFUSED,
      );
    });
  });
}

function doctorLines(report: DoctorReport): string {
  const mark = (ok: boolean | undefined) => (ok === undefined ? "–" : ok ? "✔" : "✖");
  const lines = [
    `miner ${report.minerId}`,
    `${mark(report.accel.problem === undefined)} accelerator  ${report.accel.using} (${report.accel.problem ?? report.accel.reason})`,
    ...(report.gpus.length === 0
      ? ["  GPUs         none"]
      : report.gpus.map((g) => `  GPU          ${g.name}, ${g.memory_mb} MiB`)),
    `  memory       ${report.memory.ram_mb} MiB RAM (${report.memory.free_ram_mb} free), ${report.memory.vram_mb} MiB VRAM, ${report.cpus} CPUs`,
    "workloads",
    ...report.workloads.map(
      (w) =>
        `  ${mark(w.available)} ${w.name.padEnd(12)} ${w.reason}${w.models.length ? ` — models: ${w.models.join(", ")}` : ""}`,
    ),
    `${mark(report.workDir.writable)} WORK_DIR     ${report.workDir.path}${report.workDir.writable ? "" : " (not writable)"}, ${report.workDir.pendingResults} ${report.workDir.pendingResults === 1 ? "result" : "results"} waiting to be sent`,
    `  key          ${report.key.file}${report.key.exists ? "" : " (created at first start)"}`,
    `${mark(report.coordinator.reachable)} coordinator  ${report.coordinator.url || "(unset)"} ${report.coordinator.detail}`,
    report.ok ? "ready: `pithead miner start` would offer the ✔ workloads" : `not ready: ${report.problems.join("; ")}`,
  ];
  return lines.join("\n");
}

function doctorCommand(): Command {
  return addConfigOptions(
    new Command("doctor")
      .description(
        "Show what this machine can run — accelerator, GPUs, memory, each workload with why (not), models, backends — and whether the coordinator answers",
      )
      .option("--offline", "do not contact the coordinator")
      .option("--json", "print the report as JSON")
      .addHelpText(
        "after",
        exitCodesHelp({
          done: "ready: the miner would start and the coordinator accepts it",
          failed:
            "the report names a problem: the miner would not start (a setting unset, the accelerator, no workload it can run, WORK_DIR not writable, API_KEY refused) or no coordinator answers",
          usage: "a setting refused, from a flag, the environment or the config file",
        }),
      ),
  ).action(async (options: Record<string, unknown>) => {
    const config = configFrom(options, false);
    const progress = options.json ? undefined : spinner("checking this machine (GPUs, models, backends)");
    let report: DoctorReport;
    try {
      report = await minerDoctor(config, { offline: options.offline === true });
      progress?.succeed("checked");
    } catch (error) {
      progress?.fail("check failed");
      fail(errorMessage(error));
    }
    printResult(options.json === true, report, () => doctorLines(report));
    if (!report.ok) process.exitCode = 1;
  });
}

function resultsCommand(): Command {
  return addConfigOptions(
    new Command("results")
      .description(
        "List job results in WORK_DIR: pending ones are re-sent by the running miner until the coordinator settles them",
      )
      .option("--pending", "only the results not yet acknowledged")
      .option("--json", "print the entries as JSON"),
  ).action((options: Record<string, unknown>) => {
    const config = configFrom(options, false);
    if (!existsSync(config.workDir)) fail(`WORK_DIR ${config.workDir} does not exist`);
    const store = new ResultStore(config.workDir);
    const entries = options.pending ? store.pending() : store.all();
    printResult(options.json === true, entries, () =>
      entries.length === 0
        ? "no results"
        : entries
            .map((e) => {
              const status = e.answer?.status ?? "-";
              const code = e.kind === "fail" ? ` ${String(e.request.error_code)}` : "";
              return `${e.created_at}  ${e.job_id}  ${e.kind}${code}  ${e.state} (answer ${status}, ${e.deliveries} tries)`;
            })
            .join("\n"),
    );
  });
}

export function registerMinerCommands(program: Command): void {
  program.addCommand(
    new Command("miner")
      .description("The compute miner: run it, check what this machine can run, list its results")
      .addCommand(startCommand())
      .addCommand(doctorCommand())
      .addCommand(resultsCommand()),
  );
}
