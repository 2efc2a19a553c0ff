// `pithead agent …`: run the agent miner API, make an API key, and sign or check the registration
// credentials (sr25519 with a Bittensor coldkey, the format of the reference's encrypt.py).
// Secrets (wallet password, mnemonic, seed, the API key) are never required on the command line,
// where `ps` and shell history would show them: a hidden prompt, stdin, a named environment
// variable or a file (`--token` is still taken, with a warning).
// Exit status 2 for a value the user gives that is missing, malformed or clashes with another (an
// option, a variable or file it names, a secret piped in, the agent's settings), as everywhere in
// the CLI; 1 for what fails when it runs (a coldkey that will not open, a port in use, the model).

import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import type { RunningAgent } from "@pithead/agent";
import type { Sr25519Pair, Verification } from "@pithead/agent/credentials";
import { type Command, InvalidArgumentError } from "commander";
import { exitCodesHelp } from "../exit-help.ts";
import { FdLog } from "../fd-log.ts";
import { readProblem } from "../file-problem.ts";
import { EXIT_CANNOT, EXIT_USAGE, errorMessage, fail, printResult } from "../output.ts";
import { postgresProblem } from "../postgres-problem.ts";
import { spinner } from "../progress.ts";
import { serverLogger } from "../server-log.ts";

// The agent (Fastify, the model runtime) and the credentials code (sr25519, argon2) load only
// when one of these commands runs, so they add nothing to every other `pithead` command.
const agentPackage = () => import("@pithead/agent");
const agentConfigPackage = () => import("@pithead/agent/config");
const credentialsPackage = () => import("@pithead/agent/credentials");

/** Errors that carry their own operator-facing message (config, keys, credentials, the model). */
const EXPLAINED = new Set(["ConfigError", "KeyError", "LlmError", "DotenvError", "ListenPortError"]);
/** Of those, the ones about a value the user gave (a setting, a .env line): a usage error. */
const USAGE = new Set(["ConfigError", "DotenvError"]);

/** A value the user gave is missing, malformed or clashes with another (exit 2). */
function usage(message: string): never {
  return fail(message, EXIT_USAGE);
}

function failWith(error: unknown): never {
  if (error instanceof Error && EXPLAINED.has(error.name)) {
    const code = (error as { code?: unknown }).code;
    const message =
      error.name === "LlmError" && typeof code === "string" ? `${error.message} [${code}]` : error.message;
    fail(message, USAGE.has(error.name) ? EXIT_USAGE : 1);
  }
  if (error instanceof Error && error.name === "CredentialsError") {
    // Only `credentials sign` gets here: its --api-url or token (verify says its file is not one).
    usage(`${error.message} (${(error as Error & { field: string }).field})`);
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE") fail(`the port is already in use: ${(error as Error).message}`);
  if (code === "EACCES") fail(`permission denied: ${(error as Error).message}`);
  fail(errorMessage(error));
}

function port(value: string): string {
  if (!/^\d+$/.test(value) || Number(value) > 65_535) throw new InvalidArgumentError("must be a port number 0-65535");
  return value;
}

/** Reads a line without echoing it (a terminal), or the first line of piped stdin. */
async function readSecret(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = "";
    for await (const chunk of stdin) text += String(chunk);
    return text.split(/\r?\n/)[0] ?? "";
  }
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  return await new Promise<string>((done, reject) => {
    let value = "";
    const finish = () => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n" || char === "\u0004") {
          finish();
          done(value);
          return;
        }
        if (char === "\u0003") {
          finish();
          reject(new Error("cancelled"));
          return;
        }
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on("data", onData);
  });
}

/**
 * A secret from the environment variable named by `option` (--password-env, --secret-env), else a
 * hidden prompt on a terminal, else the first line of piped stdin. Never empty: an empty secret is
 * a mistake (an unset variable, nothing piped), said here instead of failing deeper with a message
 * from the crypto library.
 */
async function secretFrom(
  envName: string | undefined,
  option: "--password-env" | "--secret-env",
  question: string,
  what: string,
): Promise<string> {
  if (envName) {
    const value = process.env[envName];
    if (value === undefined) usage(`the environment variable ${envName} (${option}) is not set`);
    if (value === "") usage(`the environment variable ${envName} (${option}) is empty`);
    return value;
  }
  const terminal = process.stdin.isTTY === true;
  const value = await readSecret(question);
  if (value !== "") return value;
  if (terminal) usage(`no ${what} entered`);
  usage(
    `no ${what}: stdin is not a terminal and held none; set it in an environment variable and pass ${option} <VAR>, pipe it on stdin, or run in a terminal to be asked`,
  );
}

interface SignOptions {
  apiUrl: string;
  token?: string;
  tokenEnv?: string;
  tokenFile?: string;
  wallet?: string;
  walletsDir: string;
  coldkey?: string;
  mnemonic?: boolean;
  seed?: boolean;
  secretEnv?: string;
  passwordEnv?: string;
  output?: string;
  force?: boolean;
  dotenv?: string;
  json?: boolean;
}

async function keyFor(options: SignOptions): Promise<Sr25519Pair> {
  // --secret-env says where the secret is read from; --mnemonic or --seed with it say which it is.
  if (options.mnemonic && options.seed) usage("choose one of --mnemonic and --seed");
  const fromSecret = Boolean(options.mnemonic || options.seed || options.secretEnv);
  const sources = [options.wallet, options.coldkey, fromSecret].filter(Boolean);
  if (sources.length !== 1) {
    // --secret-env's help says it combines with --mnemonic or --seed: one key source either way.
    usage("choose one key source: --wallet <name>, --coldkey <file>, --mnemonic, --seed or --secret-env <VAR>");
  }
  const { pairFromKeyfile, pairFromMnemonic, pairFromSecret, pairFromSeed, readKeyfile } = await credentialsPackage();
  if (fromSecret) {
    const secret = await secretFrom(
      options.secretEnv,
      "--secret-env",
      options.seed ? "Seed (hex, hidden): " : "Mnemonic (hidden): ",
      options.seed ? "seed" : options.mnemonic ? "mnemonic" : "mnemonic or seed",
    );
    // --seed and --mnemonic say what the secret is (and so what a bad one is); --secret-env can hold either.
    try {
      if (options.seed) return pairFromSeed(secret);
      if (options.mnemonic) return pairFromMnemonic(secret);
      return pairFromSecret(secret);
    } catch (error) {
      // A mnemonic or seed that is not one is a bad value, like a bad option (a keyfile's is not).
      if (error instanceof Error && error.name === "KeyError") usage(error.message);
      throw error;
    }
  }
  const file = options.coldkey
    ? resolve(options.coldkey)
    : join(options.walletsDir.replace(/^~(?=$|\/)/, homedir()), options.wallet ?? "", "coldkey");
  if (!existsSync(file)) usage(`no coldkey at ${file}`);
  const data = new Uint8Array(readFileSync(file));
  const encrypted = data[0] !== 0x7b;
  const password = encrypted
    ? await secretFrom(
        options.passwordEnv,
        "--password-env",
        `Password for ${file}: `,
        `password for the encrypted coldkey ${file}`,
      )
    : undefined;
  const progress = encrypted ? spinner("Unlocking the coldkey (argon2 key derivation takes a few seconds)") : undefined;
  try {
    const pair = pairFromKeyfile(await readKeyfile(data, password));
    progress?.succeed("Coldkey unlocked");
    return pair;
  } catch (error) {
    progress?.fail("Could not unlock the coldkey");
    throw error;
  }
}

/**
 * The token (the agent's API key): --token-env, --token-file, --token (shown by `ps`: warned
 * about), or API_KEY from the environment or .env.
 */
async function tokenFor(options: SignOptions): Promise<string> {
  const given = [options.token !== undefined, options.tokenEnv, options.tokenFile].filter(Boolean).length;
  if (given > 1) usage("choose one of --token-env <VAR>, --token-file <file> and --token <token>");
  if (options.tokenEnv) {
    const value = process.env[options.tokenEnv];
    if (value === undefined) usage(`the environment variable ${options.tokenEnv} (--token-env) is not set`);
    if (value === "") usage(`the environment variable ${options.tokenEnv} (--token-env) is empty`);
    return value;
  }
  if (options.tokenFile) {
    if (!existsSync(options.tokenFile)) usage(`no such file: ${options.tokenFile} (--token-file)`);
    // The key alone on its first line, as `pithead agent new-key` prints it or an editor saves it.
    const value = (readFileSync(options.tokenFile, "utf8").split(/\r?\n/)[0] ?? "").trim();
    if (value === "") usage(`${options.tokenFile} (--token-file) holds no token on its first line`);
    return value;
  }
  if (options.token !== undefined) {
    process.stderr.write(
      "warning: --token puts the API key on the command line, where ps and shell history show it; use --token-env, --token-file or API_KEY\n",
    );
    return options.token;
  }
  const { agentEnvironment } = await agentConfigPackage();
  const token = agentEnvironment(process.env, { envFile: options.dotenv ? options.dotenv : undefined }).API_KEY;
  if (!token) {
    usage(
      "no token: set API_KEY in the environment or .env (the agent's key is the token), or pass --token-env <VAR> or --token-file <file>",
    );
  }
  return token;
}

/**
 * Writes a file only its owner can read, whether or not it existed: a mode given to writeFileSync
 * applies only to a file it creates, and the credentials hold the API key. A private temporary
 * file in the same folder is renamed over the target (which also replaces a link instead of
 * writing through it).
 */
function writePrivateFile(file: string, text: string): void {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    writeFileSync(temporary, text, { mode: 0o600, flag: "wx" });
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    // The error names the temporary file, which the user never asked for: name theirs.
    const code = (error as NodeJS.ErrnoException).code;
    fail(`cannot write ${file} (--output): ${code ?? errorMessage(error)}`);
  }
}

/**
 * An --output that cannot be written, found before a secret is asked for and the coldkey unlocked
 * (seconds of argon2), instead of after, in the words of a temporary file's ENOENT.
 */
function outputProblem(file: string, force: boolean): string | undefined {
  const folder = dirname(resolve(file));
  if (!existsSync(folder)) return `the folder ${folder} does not exist`;
  if (!statSync(folder).isDirectory()) return `${folder} is not a folder`;
  if (existsSync(file) && statSync(file).isDirectory()) return `${file} is a folder`;
  // It may be the credentials already registered (for another URL or key): replaced only when asked.
  if (existsSync(file) && !force) return `${resolve(file)} already exists: give --force to replace it`;
  return undefined;
}

async function sign(options: SignOptions): Promise<void> {
  const { normalizeApiUrl, signableMessage, signCredentials } = await credentialsPackage();
  const token = await tokenFor(options);
  const apiUrl = normalizeApiUrl(options.apiUrl);
  if (apiUrl !== options.apiUrl) {
    process.stderr.write(`note: signing ${apiUrl} (without the trailing slash: the portal appends /complete to it)\n`);
  }
  // The URL, the token and where the file goes are checked before any secret is asked for.
  signableMessage(apiUrl, token);
  if (options.force && options.output === undefined) usage("--force replaces an --output file: give --output too");
  const output = options.output === undefined ? undefined : outputProblem(options.output, Boolean(options.force));
  if (output !== undefined) usage(`--output: ${output}`);
  const pair = await keyFor(options);
  const signed = signCredentials(apiUrl, token, pair);
  if (options.output) writePrivateFile(options.output, signed.text);
  if (options.json) {
    printResult(
      true,
      { address: signed.address, signature: signed.signature, output: options.output ?? null, text: signed.text },
      () => "",
    );
  } else if (options.output) {
    process.stderr.write(`✔ Signed by ${signed.address}; written to ${resolve(options.output)}\n`);
    process.stderr.write("  Paste its contents into the registration portal.\n");
  } else {
    process.stdout.write(signed.text);
  }
}

/** The address is not SS58 at all: the file is malformed (3), not a signature that fails (1). */
function malformedAddress(result: Verification): boolean {
  return !result.valid && result.malformed !== undefined;
}

/**
 * Exit 3 for a file that is not a well-formed credentials file (missing, unreadable, a directory, a
 * field malformed), 1 for a well-formed one whose signature does not verify. With --json the error
 * is also JSON on stdout, so a script reading stdout gets an answer either way.
 */
async function verify(file: string, options: { json?: boolean }): Promise<void> {
  const { describeAge, signedAtOf, tokenFingerprint, verifyCredentials } = await credentialsPackage();
  const cannot = (message: string): never => {
    if (options.json) printResult(true, { valid: false, file, error: message }, () => "");
    return fail(message, EXIT_CANNOT);
  };
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return cannot(readProblem(file, error));
  }
  let result: Verification;
  try {
    result = verifyCredentials(text);
  } catch (error) {
    // A file that is not a credentials file at all (empty, no <seperate> line…): said of the file.
    if (error instanceof Error && error.name === "CredentialsError")
      return cannot(`${file} is not a signed credentials file: ${error.message}`);
    throw error;
  }
  if (malformedAddress(result)) return cannot(`${file} is not a signed credentials file: ${result.reason}`);
  // The token is the agent's API key: the output names it by a fingerprint only.
  const { token, timestamp, ...shown } = result;
  const signedAt = signedAtOf(timestamp, new Date());
  const report = {
    ...shown,
    token_fingerprint: tokenFingerprint(token),
    signed_at: signedAt
      ? {
          text: signedAt.text,
          at: signedAt.at?.toISOString() ?? null,
          age_s: signedAt.ageS ?? null,
          signed: false, // the Timestamp line is not covered by the signature
        }
      : null,
  };
  const age = signedAt?.ageS === undefined ? "" : `, ${describeAge(signedAt.ageS)}`;
  printResult(options.json === true, report, () =>
    [
      result.valid
        ? `✔ valid: ${result.apiUrl} signed by ${result.address}${result.wrapped ? " (over <Bytes>…</Bytes>)" : ""}`
        : `✖ invalid: ${result.reason}`,
      ...(signedAt ? [`  signed at ${signedAt.text}${age} (not covered by the signature)`] : []),
    ].join("\n"),
  );
  if (!result.valid) process.exitCode = 1;
}

async function start(options: { dotenv?: string; port?: string; host?: string; json?: boolean }): Promise<void> {
  const { loadAgentConfig, startAgent } = await agentPackage();
  const overrides = {
    ...(options.port ? { PORT: options.port } : {}),
    ...(options.host ? { HOST: options.host } : {}),
  };
  const config = loadAgentConfig({ ...process.env, ...overrides }, { envFile: options.dotenv });
  const progress = options.json
    ? undefined
    : spinner(`Starting the agent (${config.llm.provider} model, ${config.database.kind} store)`);
  let agent: RunningAgent;
  try {
    // With --json, stdout holds the summary alone (a script parses it): the log goes to stderr.
    agent = await startAgent(config, {
      logger: options.json ? { level: config.logLevel, stream: new FdLog(2) } : serverLogger(config.logLevel),
    });
  } catch (error) {
    progress?.fail("The agent did not start");
    const problem =
      config.database.kind === "postgres" ? postgresProblem(error, config.database.url, "DATABASE_URL") : undefined;
    if (problem) fail(problem);
    throw error;
  }
  const info = agent.model.info();
  const summary = {
    url: agent.url,
    ui: `${agent.url}/ui`,
    docs: `${agent.url}/docs`,
    provider: info.provider,
    model: info.model,
    store: config.database.kind,
  };
  if (options.json) printResult(true, summary, () => "");
  else {
    progress?.succeed(`Agent listening on ${agent.url} (${info.provider}: ${info.model})`);
    process.stderr.write(`  test console ${summary.ui}\n  API docs     ${summary.docs}\n`);
  }
  stopOnSignals(agent, options.json === true);
}

/** Exit status of a stop forced by a second signal: 128 + the signal's number, as shells report it. */
const FORCED_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Longer than any cut-off request takes to answer its 503 and the stores to close. */
const CLOSE_MARGIN_MS = 5000;

/**
 * SIGTERM/SIGINT stop the agent gracefully: requests in flight finish (SHUTDOWN_TIMEOUT, by default
 * REQUEST_TIMEOUT), those still running then answer 503 with Retry-After, and the process exits 0.
 * A second signal stops waiting: requests in flight answer 503 at once. Either way no client gets
 * an empty reply and nothing is half-stored; the timer only guards against a store that hangs.
 */
function stopOnSignals(agent: RunningAgent, json: boolean): void {
  const say = (line: string) => {
    if (!json) process.stderr.write(`${line}\n`);
  };
  let stopping = false;
  let exitCode = 0;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      agent.app.log.warn({ signal }, "second signal: answering requests in flight with 503 and stopping now");
      say("Stopping now: requests in flight are answered 503 (retry later).");
      exitCode = FORCED_EXIT[signal] ?? 1;
      const force = setTimeout(() => process.exit(exitCode), CLOSE_MARGIN_MS);
      force.unref();
      // The close already under way ends sooner now, and exits with exitCode.
      void agent.cutOff().catch(() => {});
      return;
    }
    stopping = true;
    const waitS = agent.config.shutdownTimeoutMs / 1000;
    const inFlight = agent.inFlight();
    agent.app.log.info({ signal, inFlight, shutdownTimeoutS: waitS }, "shutting down");
    if (inFlight > 0) {
      say(
        `Stopping: waiting up to ${waitS} s for ${inFlight} request${inFlight === 1 ? "" : "s"} in flight (SHUTDOWN_TIMEOUT); press Ctrl-C again to stop now.`,
      );
    }
    const force = setTimeout(() => {
      agent.app.log.error("the agent did not close in time: exiting");
      process.exit(1);
    }, agent.config.shutdownTimeoutMs + CLOSE_MARGIN_MS);
    force.unref();
    agent.close().then(
      () => process.exit(exitCode),
      (error: unknown) => {
        agent.app.log.error({ err: error }, "error while shutting down");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

export function registerAgentCommands(program: Command): void {
  const agent = program
    .command("agent")
    .description("The agent miner API (Subnet-80): run it, make its key, sign its registration credentials");

  agent
    .command("start")
    .description("Start the agent miner API (configured by the environment and .env: API_KEY, LLM_PROVIDER, …)")
    // Not --env-file: Node 24 reads that flag anywhere on its command line, before pithead runs.
    .option("--dotenv <file>", "read this .env file (default: ./.env when present)")
    .option("--port <port>", "listen on this port (overrides PORT; default: 8001)", port)
    .option("--host <host>", "listen on this address (overrides HOST; default: 0.0.0.0)")
    .option("--json", "print where it listens as JSON")
    .addHelpText(
      "after",
      exitCodesHelp({
        done: "stopped by SIGTERM/SIGINT",
        failed: "it did not start (the port in use, the model or the database unavailable)",
        usage: "an option, or a setting the environment or .env gives, refused; a --dotenv that is not there",
        more: "130 (SIGINT) or 143 (SIGTERM) a second signal while stopping",
      }),
    )
    .action((options) => start(options).catch(failWith));

  agent
    .command("new-key")
    .description("Print a new random API key for API_KEY (256 bits)")
    .option("--json", "print it as JSON")
    .action((options: { json?: boolean }) => {
      const key = randomBytes(32).toString("base64url");
      printResult(options.json === true, { api_key: key }, () => `API_KEY=${key}`);
    });

  const credentials = agent
    .command("credentials")
    .description("Signed registration credentials for the miner registration portal");

  credentials
    .command("sign")
    .description(
      "Sign <api_url><seperate><token> with a Bittensor coldkey (sr25519) and write the portal's credentials file",
    )
    .requiredOption("--api-url <url>", "the miner's public URL, e.g. https://miner.example.com")
    .option(
      "--token-env <VAR>",
      "read the token (the API key the orchestrator will use) from this environment variable",
    )
    .option("--token-file <file>", "read the token from the first line of this file")
    .option("--token <token>", "the token itself (shown by ps and kept in shell history: prefer --token-env)")
    .option("--wallet <name>", "a Bittensor wallet: its coldkey in --wallets-dir/<name>/coldkey")
    .option("--wallets-dir <dir>", "where Bittensor wallets live", "~/.bittensor/wallets")
    .option("--coldkey <file>", "a coldkey keyfile")
    .option("--mnemonic", "read a mnemonic (hidden prompt, or stdin when piped)")
    .option("--seed", "read a 32-byte hex seed (hidden prompt, or stdin when piped)")
    .option(
      "--secret-env <VAR>",
      "read the secret from this environment variable instead of a prompt: with --seed a hex seed, with --mnemonic a mnemonic, alone either",
    )
    .option("--password-env <VAR>", "read the coldkey password from this environment variable (default: prompt)")
    .option("--dotenv <file>", "the .env file holding API_KEY, the token when no --token-* is given (default: ./.env)")
    .option(
      "-o, --output <file>",
      "write the file here (mode 600) instead of stdout; an existing file only with --force",
    )
    .option("--force", "replace the --output file if it exists")
    .option("--json", "print the address, signature and file text as JSON")
    .action((options: SignOptions) => sign(options).catch(failWith));

  credentials
    .command("verify")
    .description(
      "Check a credentials file: the SS58 address, and the signature over the message (or <Bytes>message</Bytes>)",
    )
    .argument("<file>", "the credentials file")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nExit codes: 0 valid; 1 invalid (a well-formed file whose signature does not verify for its address);\n" +
        "2 the command line is wrong; 3 the file is missing, unreadable or not a well-formed credentials file\n" +
        "(a field missing or malformed: the message line, the SS58 address, a 128-hex signature).\n" +
        "With --json an exit 3 also prints {valid: false, file, error} on stdout.",
    )
    .action((file: string, options: { json?: boolean }) => verify(file, options).catch(failWith));
}
