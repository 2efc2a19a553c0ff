import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMinerConfig, MinerConfigError, parseEnvFile, redactConfig } from "../src/index.ts";

// The seed's /etc/aitbc/miner.conf, verbatim (inline comments, bare numbers, $(hostname)).
const SEED_CONF = `# AITBC Miner config
COORD_URL="https://coordinator.example.net"    # Coordinator base URL
WALLET_ADDR="wallet1qxy2kgdygjrsqtzq2n0yrf..." # Your payout address
API_KEY="REPLACE_WITH_WALLET_API_KEY"          # Wallet‑issued key for auth
MINER_ID="$(hostname)-gpu0"                     # Any stable node label
WORK_DIR="/tmp/aitbc-work"                      # Scratch space
HEARTBEAT_SECS=20                                # Health ping interval
JOB_POLL_SECS=3                                  # Fetch cadence
MAX_CONCURRENCY=1                                # Inference job slots
# GPU modes: auto|gpu|cpu
ACCEL_MODE="auto"
`;

function confFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "miner-conf-"));
  const file = join(dir, "miner.conf");
  writeFileSync(file, text);
  return file;
}

const host = () => "rig7.example.lan";

function loadError(run: () => unknown): MinerConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof MinerConfigError) return error;
    throw error;
  }
  throw new Error("expected a MinerConfigError");
}

describe("the seed's config file", () => {
  it("is accepted verbatim, with $(hostname) expanded", () => {
    const config = loadMinerConfig({ file: confFile(SEED_CONF), env: {}, hostname: host });
    expect(config.coordUrl).toBe("https://coordinator.example.net");
    expect(config.walletAddr).toBe("wallet1qxy2kgdygjrsqtzq2n0yrf...");
    expect(config.apiKey).toBe("REPLACE_WITH_WALLET_API_KEY");
    expect(config.minerId).toBe("rig7.example.lan-gpu0");
    expect(config.workDir).toBe("/tmp/aitbc-work");
    expect(config.heartbeatSecs).toBe(20);
    expect(config.jobPollSecs).toBe(3);
    expect(config.maxConcurrency).toBe(1);
    expect(config.accelMode).toBe("auto");
    expect(config.keyFile).toBe("/tmp/aitbc-work/miner.key");
    expect(config.sources.MINER_ID).toBe("file");
    expect(config.sources.POLL_WAIT_SECS).toBe("default");
  });

  it("parses quoting as bash does: single quotes literal, escapes in double quotes, export prefix", () => {
    const entries = parseEnvFile(
      `export A='$(hostname) x'\nB="say \\"hi\\" \\\\ \\$5"\nC=bare # comment\n\n  # indented comment\nD=""\n`,
    );
    expect(entries.map((e) => [e.key, e.value, e.literal])).toEqual([
      ["A", "$(hostname) x", true],
      ["B", 'say "hi" \\ \\$5', false],
      ["C", "bare", false],
      ["D", "", false],
    ]);
  });

  it("names the line of a malformed entry", () => {
    const e1 = loadError(() => loadMinerConfig({ file: confFile('COORD_URL="http://x\n'), env: {} }));
    expect(e1.message).toMatch(/line 1: unterminated double quote/);
    const e2 = loadError(() => loadMinerConfig({ file: confFile("A=1\nMINER_ID=two words\n"), env: {} }));
    expect(e2.message).toMatch(/line 1|line 2/);
    const e3 = loadError(() => loadMinerConfig({ file: confFile('WORK_DIR="/a" \\\n'), env: {} }));
    expect(e3.message).toMatch(/line continuations/);
  });

  it("refuses an unknown key and suggests the one meant", () => {
    const error = loadError(() => loadMinerConfig({ file: confFile("HEARTBEAT_SEC=20\n"), env: {} }));
    expect(error.key).toBe("HEARTBEAT_SEC");
    expect(error.message).toContain("did you mean HEARTBEAT_SECS?");
  });

  it("lists an unknown key with every other bad value in the file, in one error", () => {
    const error = loadError(() =>
      loadMinerConfig({
        file: confFile('HEARTBEAT_SEC=20\nMAX_CONCURRENCY=0\nMINER_ID="$(whoami)"\n'),
        env: {},
        hostname: host,
        requireConnection: false,
      }),
    );
    expect(error.key).toBe("HEARTBEAT_SEC");
    const lines = error.message.split("\n");
    expect(lines[0]).toBe("3 problems in the miner configuration:");
    expect(lines[1]).toMatch(/^ {2}- unknown key HEARTBEAT_SEC in .* line 1 \(did you mean HEARTBEAT_SECS\?\)$/);
    expect(lines[2]).toMatch(/^ {2}- MINER_ID \(.* line 3\): .*only \$\(hostname\)/);
    expect(lines[3]).toMatch(
      /^ {2}- MAX_CONCURRENCY must be a positive integer from 1 to 64, got "0" \(from .* line 2\)$/,
    );
  });

  it("refuses shell syntax other than $(hostname) instead of using it literally", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell syntax under test, not a template
    for (const value of ['"${HOST}-gpu0"', '"$(whoami)"', '"$USER"', '"`hostname`"']) {
      const error = loadError(() =>
        loadMinerConfig({ file: confFile(`MINER_ID=${value}\n`), env: {}, hostname: host, requireConnection: false }),
      );
      expect(error.key).toBe("MINER_ID");
      expect(error.message).toMatch(/only \$\(hostname\)/);
    }
    const short = loadMinerConfig({
      file: confFile('MINER_ID="$(hostname -s)-a"\n'),
      env: {},
      hostname: host,
      requireConnection: false,
    });
    expect(short.minerId).toBe("rig7-a");
    const escaped = loadMinerConfig({ file: confFile('WORK_DIR="/srv/w\\$1"\n'), env: {}, requireConnection: false });
    expect(escaped.workDir).toBe("/srv/w$1");
  });
});

describe("precedence and validation", () => {
  const base = { COORD_URL: "http://127.0.0.1:8080", WALLET_ADDR: "wallet_demo", API_KEY: "k-123" };

  it("takes flags over the environment over the file over defaults", () => {
    const file = confFile('HEARTBEAT_SECS=20\nJOB_POLL_SECS=9\nMAX_CONCURRENCY=3\nCOORD_URL="http://file:1"\n');
    const config = loadMinerConfig({
      file,
      env: { ...base, HEARTBEAT_SECS: "15", JOB_POLL_SECS: "4" },
      flags: { HEARTBEAT_SECS: "5" },
    });
    expect(config.heartbeatSecs).toBe(5);
    expect(config.sources.HEARTBEAT_SECS).toBe("flag");
    expect(config.jobPollSecs).toBe(4);
    expect(config.sources.JOB_POLL_SECS).toBe("env");
    expect(config.maxConcurrency).toBe(3);
    expect(config.coordUrl).toBe("http://127.0.0.1:8080");
    expect(config.pollWaitSecs).toBe(25);
  });

  it("keeps settled results 7 days unless RESULT_RETENTION_DAYS says otherwise", () => {
    expect(loadMinerConfig({ env: base }).resultRetentionDays).toBe(7);
    expect(loadMinerConfig({ env: { ...base, RESULT_RETENTION_DAYS: "30" } }).resultRetentionDays).toBe(30);
    expect(loadMinerConfig({ env: base, flags: { RESULT_RETENTION_DAYS: "0" } }).resultRetentionDays).toBe(0);
  });

  it("expands $(hostname) in the environment too (systemd's EnvironmentFile passes it through)", () => {
    const config = loadMinerConfig({ env: { ...base, MINER_ID: "$(hostname)-gpu1" }, hostname: host });
    expect(config.minerId).toBe("rig7.example.lan-gpu1");
  });

  it.each([
    ["HEARTBEAT_SECS", "abc", 'HEARTBEAT_SECS must be a positive integer, got "abc"'],
    ["HEARTBEAT_SECS", "0", "HEARTBEAT_SECS must be a positive integer from 1 to 3600"],
    ["MAX_CONCURRENCY", "1.5", "MAX_CONCURRENCY must be a positive integer"],
    ["ACCEL_MODE", "tpu", "ACCEL_MODE must be one of auto, gpu, cpu"],
    ["COORD_URL", "ftp://x", "COORD_URL must be an http:// or https:// URL"],
    ["WALLET_ADDR", "has space", "WALLET_ADDR must be 1-128 letters"],
    ["POLL_WAIT_SECS", "61", "POLL_WAIT_SECS must be a whole number of seconds from 0 to 60"],
    ["WORKLOADS", "llm_gen,Bad-Name", "WORKLOADS must be a comma-separated list"],
    ["FAULT_CORRUPT_OUTPUT", "yes", "FAULT_CORRUPT_OUTPUT must be one of 0, 1"],
    ["RESULT_RETENTION_DAYS", "1.5", "RESULT_RETENTION_DAYS must be a whole number of days"],
  ])("%s=%s is refused with an error naming the key", (key, value, message) => {
    const error = loadError(() => loadMinerConfig({ env: { ...base, [key]: value } }));
    expect(error.key).toBe(key);
    expect(error.message).toContain(message);
    expect(error.message).toContain("environment variable");
  });

  it("refuses an unknown workload with the other bad values, before anything is written", () => {
    const error = loadError(() => loadMinerConfig({ env: { ...base, WORKLOADS: "llm_gen,foo", HEARTBEAT_SECS: "0" } }));
    expect(error.message.split("\n")).toEqual([
      "2 problems in the miner configuration:",
      '  - WORKLOADS names unknown workload "foo" (known: llm_gen, torch_bench, sd_infer), got "llm_gen,foo" (from environment variable WORKLOADS)',
      '  - HEARTBEAT_SECS must be a positive integer from 1 to 3600, got "0" (from environment variable HEARTBEAT_SECS)',
    ]);
  });

  it("names every bad key at once, so one edit of the file fixes them all", () => {
    const error = loadError(() =>
      loadMinerConfig({ env: { ...base, HEARTBEAT_SECS: "abc", MAX_CONCURRENCY: "0", ACCEL_MODE: "tpu" } }),
    );
    expect(error.key).toBe("HEARTBEAT_SECS");
    expect(error.message.split("\n")).toEqual([
      "3 problems in the miner configuration:",
      '  - HEARTBEAT_SECS must be a positive integer, got "abc" (from environment variable HEARTBEAT_SECS)',
      '  - MAX_CONCURRENCY must be a positive integer from 1 to 64, got "0" (from environment variable MAX_CONCURRENCY)',
      '  - ACCEL_MODE must be one of auto, gpu, cpu, got "tpu" (from environment variable ACCEL_MODE)',
    ]);
  });

  it("requires the connection settings and says how to set them", () => {
    const error = loadError(() => loadMinerConfig({ env: { WALLET_ADDR: "w", API_KEY: "k" } }));
    expect(error.message).toBe(
      "COORD_URL is required (set it in the config file, the environment or with --coord-url)",
    );
  });

  it("never shows the API key, not in an error nor in a printed config", () => {
    const error = loadError(() => loadMinerConfig({ env: { ...base, API_KEY: "s3cret value" } }));
    expect(error.key).toBe("API_KEY");
    expect(error.message).not.toContain("s3cret");
    const config = loadMinerConfig({ env: { ...base, API_KEY: "s3cret", LLM_API_KEY: "other$ecret" } });
    expect(config.apiKey).toBe("s3cret");
    expect(config.llm.apiKey).toBe("other$ecret");
    expect(JSON.stringify(redactConfig(config))).not.toMatch(/s3cret|other\$ecret/);
  });

  it("needs a model id and URL for an OpenAI-compatible llm backend", () => {
    expect(loadError(() => loadMinerConfig({ env: { ...base, LLM_PROVIDER: "vllm" } })).key).toBe("LLM_BASE_URL");
    expect(
      loadError(() => loadMinerConfig({ env: { ...base, LLM_PROVIDER: "vllm", LLM_BASE_URL: "http://h:8000/v1" } }))
        .key,
    ).toBe("LLM_MODEL");
  });
});
