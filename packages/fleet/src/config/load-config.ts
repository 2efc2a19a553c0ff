// The fleet controller's configuration, from the environment (and a .env file), in the seed's
// three forms:
//   A. OPERATORS_JSON='[{"operatorId":"op-1","label":"…","operatorMode":"AUTO","apiSecret":"…",
//        "miners":[{"id":"a1","ip":"192.168.1.101","port":4028,"model":"s19"}],
//        "site":{"energyCostPerKwh":0.05,"poolFeePercent":2},"policy":{"tempStopC":90},"dryRun":false}]'
//   B. OPERATOR_<n>_ID, _LABEL, _MODE, _SECRET, _ENERGY_COST_PER_KWH, _POOL_FEE_PERCENT, _DRY_RUN,
//      OPERATOR_<n>_MINER_<m>_IP, _ID, _PORT, _MODEL
//   C. one operator: MINER_<m>_IP, _ID, _PORT, _MODEL, ENERGY_COST_PER_KWH, POOL_FEE_PERCENT,
//      OPERATOR_ID, OPERATOR_LABEL, OPERATOR_MODE, API_SECRET, DRY_RUN
// With no miner at all, one operator runs a simulated fleet (SIMULATED_MINERS, default 24).
// Everything is validated here, at start, and every problem names its key.

import { isIP } from "node:net";
import type { MinerEndpoint } from "../cgminer/adapter.ts";
import { marketBounds } from "../core/physical-bounds.ts";
import { defaultPolicy, type Mode, type Policy, policyIssues } from "../core/policy.ts";
import { microUsd } from "../core/profit.ts";
import { parseDecimal } from "../decimal.ts";
import { defaultFixedMarket, type FixedMarket } from "../market/sources.ts";
import { modelById, models } from "../models.ts";
import { boolean, decimalProblem, number, oneOf, Problems, type Source, text } from "./env-reader.ts";
import { jsonFields, minerKeys, operatorKeys, unknownFleetKeys, unknownJsonFields } from "./known-keys.ts";
import { type LedgerArchiveConfig, readLedgerArchive } from "./ledger-archive.ts";
import { minerHostProblem } from "./miner-address.ts";
import type { OperatorConfig } from "./types.ts";

export type LedgerConfig = (
  | { store: "jsonl"; dir: string; sealBytes?: number }
  | { store: "sqlite"; path: string }
  | { store: "postgres"; url: string }
) & { archive?: LedgerArchiveConfig };

export type PriceSourceConfig =
  | { kind: "fixed" }
  | { kind: "coingecko"; url: string }
  | { kind: "mempool"; url: string };
export type NetworkSourceConfig = { kind: "fixed" } | { kind: "mempool"; url: string };

export interface FleetConfig {
  operators: OperatorConfig[];
  /** Set when no miner is configured: the controller starts this many simulated miners for operators[0]. */
  simulated: { miners: number; seed: number } | null;
  server: { host: string; port: number };
  auth: { disabled: boolean; legacyBearer: boolean; maxSkewMs: number; metricsToken?: string | null };
  /** API requests per minute per caller; 0 turns the limit off. */
  rateLimitPerMinute: number;
  ledger: LedgerConfig;
  /** Ed25519 key that signs checkpoints. */
  keyFile: string;
  dataDir: string;
  market: {
    price: PriceSourceConfig;
    network: NetworkSourceConfig;
    fixed: FixedMarket;
    refreshMs: number;
    timeoutMs: number;
  };
  loop: { enabled: boolean; intervalMs: number };
  transport: { connectTimeoutMs: number; totalTimeoutMs: number };
  concurrency: number;
}

const idPattern = /^[A-Za-z0-9._-]{1,64}$/;
/** No site pays more for power (2022's European peaks were under 1 USD): larger is a unit mistake. */
const maxEnergyMicroUsdPerKwh = 2_000_000;
/** Pools charge 0–4 % (FPPS at the top); more is a typo or another figure in the fee's place. */
const maxPoolFeePercent = 10;
const minSecretLength = 16;

interface RawOperator {
  label: string;
  source: Source;
  keys: { id: string; label: string; mode: string; secret: string; energy: string; poolFee: string; dryRun: string };
  miners: { label: string; source: Source; keys: { ip: string; id: string; port: string; model: string } }[];
  /** The key an error names when the operator has no miners (its first miner's address). */
  minersKey: string;
  policy: Source | undefined;
  policyLabel: string;
}

function indexes(env: Source, pattern: RegExp): number[] {
  const found = new Set<number>();
  for (const key of Object.keys(env)) {
    const match = pattern.exec(key);
    if (match && env[key] !== undefined) found.add(Number(match[1]));
  }
  return [...found].sort((a, b) => a - b);
}

const policyEnvKeys: Record<keyof Policy, string> = {
  pollIntervalMs: "POLL_INTERVAL_MS",
  staleTelemetryMs: "STALE_TELEMETRY_MS",
  stalePriceMs: "STALE_PRICE_MS",
  staleNetworkMs: "STALE_NETWORK_MS",
  tempWarnC: "TEMP_WARN_C",
  tempStopC: "TEMP_STOP_C",
  tempMinC: "TEMP_MIN_C",
  tempMaxC: "TEMP_MAX_C",
  lostCommsPolls: "LOST_COMMS_POLLS",
  maxHashrateFactor: "MAX_HASHRATE_FACTOR",
  hysteresisFraction: "HYSTERESIS_FRACTION",
  cooldownMs: "COOLDOWN_MS",
  maxRestartsPerHour: "MAX_RESTARTS_PER_HOUR",
  underperformCycles: "UNDERPERFORM_CYCLES",
  underperformFraction: "UNDERPERFORM_FRACTION",
};

/**
 * The policy from the .env variables (TEMP_STOP_C, …) and an operator's OPERATORS_JSON `policy`
 * object on top. Every problem names the key as the operator wrote it — the JSON path where the
 * JSON set it, the variable where the environment did — and a derived setting's problem names the
 * setting it was derived from (stale telemetry is 2 × POLL_INTERVAL_MS unless set).
 */
function policyFrom(env: Source, overrides: Source | undefined, overridesLabel: string, problems: Problems): Policy {
  const policy = { ...defaultPolicy };
  const given = (source: Source | undefined, key: string) => {
    const value = source?.[key];
    return value !== undefined && value !== null && !(typeof value === "string" && value.trim() === "");
  };
  const jsonKey = (field: keyof Policy) => `${overridesLabel}.${field}`;
  /** The key that set `field`, or undefined when it has its default. */
  const setBy = (field: keyof Policy): string | undefined =>
    given(overrides, field) ? jsonKey(field) : given(env, policyEnvKeys[field]) ? policyEnvKeys[field] : undefined;
  for (const [field, envKey] of Object.entries(policyEnvKeys) as [keyof Policy, string][]) {
    policy[field] = number(env, envKey, envKey, problems, policy[field]);
    if (overrides) policy[field] = number(overrides, field, jsonKey(field), problems, policy[field]);
  }
  if (overrides) {
    for (const key of Object.keys(overrides))
      if (!(key in policyEnvKeys))
        problems.add(
          `${overridesLabel}.${key}`,
          `is not a policy setting (known: ${Object.keys(policyEnvKeys).join(", ")})`,
        );
  }
  // Stale telemetry defaults to two poll intervals.
  const derived = new Map<keyof Policy, keyof Policy>();
  if (setBy("pollIntervalMs") && !setBy("staleTelemetryMs")) {
    policy.staleTelemetryMs = policy.pollIntervalMs * 2;
    derived.set("staleTelemetryMs", "pollIntervalMs");
  }
  /** The key a problem with `field` names: who set it, or who it was derived from. */
  const blame = (field: keyof Policy) =>
    setBy(field) ?? (derived.has(field) ? setBy(derived.get(field) as keyof Policy) : undefined);
  /** How a message refers to another setting: its key, and its value with where that came from. */
  const describe = (field: keyof Policy) => {
    const by = blame(field);
    if (by) return `${by} (${policy[field]})`;
    return `${overrides ? jsonKey(field) : policyEnvKeys[field]} (${policy[field]}, the default)`;
  };
  const issues = policyIssues(policy);
  for (const issue of issues) {
    if (issue.kind === "value") {
      // A derived setting's problem is its source's, already said (POLL_INTERVAL_MS=0: one line).
      const from = derived.get(issue.field);
      if (from && issues.some((other) => other.kind === "value" && other.field === from)) continue;
      problems.add(
        blame(issue.field) ?? (overrides ? jsonKey(issue.field) : policyEnvKeys[issue.field]),
        issue.problem,
      );
      continue;
    }
    // An order between two settings: the one the operator set is the one to change.
    const { low, high, strict } = issue;
    if (blame(low) || !blame(high)) {
      problems.add(
        blame(low) ?? policyEnvKeys[low],
        `must be ${strict ? "below" : "at most"} ${describe(high)}, got ${policy[low]}`,
      );
    } else {
      problems.add(
        blame(high) as string,
        `must be ${strict ? "above" : "at least"} ${describe(low)}, got ${policy[high]}`,
      );
    }
  }
  return policy;
}

/**
 * `192.168.1.101:4029` where the host alone belongs (`fleet probe` takes that form, so it gets
 * written here too): said with the key the port goes in, rather than "not a host name".
 */
function hostWithPortProblem(host: string, portKey: string): string | undefined {
  const colon = host.lastIndexOf(":");
  if (colon <= 0 || host.indexOf(":") !== colon) return undefined;
  const port = host.slice(colon + 1);
  const bare = host.slice(0, colon);
  if (!/^[0-9]{1,5}$/.test(port) || minerHostProblem(bare) !== undefined) return undefined;
  return `has a port in it (${JSON.stringify(host)}): give the host alone (${bare}) and the port as ${portKey} (${port})`;
}

/**
 * The thresholds alone, from the policy variables (TEMP_STOP_C, …): what `fleet probe` checks a
 * miner against, as a cycle would. Throws a ConfigError naming each bad key.
 */
export function loadPolicy(env: Record<string, string | undefined>): Policy {
  const problems = new Problems();
  const policy = policyFrom(env as Source, undefined, "policy", problems);
  problems.throwIfAny();
  return policy;
}

/** What must differ between operators: each miner's address, each secret. */
interface SharedAcrossOperators {
  addresses: Map<string, { key: string; operator: RawOperator }>;
  secrets: Map<string, string>;
}

function readOperator(
  raw: RawOperator,
  env: Source,
  problems: Problems,
  authDisabled: boolean,
  simulatedAllowed: boolean,
  shared: SharedAcrossOperators,
): OperatorConfig | undefined {
  const { source, keys } = raw;
  const id = text(source, keys.id, `${raw.label}${keys.id}`, problems);
  const label = (k: string) => `${raw.label}${k}`;
  if (id === undefined) problems.add(label(keys.id), "is required (the operator's id)");
  else if (!idPattern.test(id))
    problems.add(label(keys.id), `must match [A-Za-z0-9._-]{1,64}, got ${JSON.stringify(id)}`);
  const mode = oneOf<Mode>(source, keys.mode, label(keys.mode), problems, ["AUTO", "MANUAL"], "AUTO");
  const secret = text(source, keys.secret, label(keys.secret), problems) ?? null;
  if (secret === null && !authDisabled && !simulatedAllowed)
    problems.add(label(keys.secret), "is required (the operator's HMAC secret) unless AUTH_DISABLED=true");
  if (secret !== null && secret.length < minSecretLength)
    problems.add(label(keys.secret), `must be at least ${minSecretLength} characters`);
  // A secret signs for its operator: shared, either operator could act as the other.
  const secretOf = secret === null ? undefined : shared.secrets.get(secret);
  if (secretOf)
    problems.add(
      label(keys.secret),
      `is the same secret as ${secretOf}: each operator needs its own, or either could sign as the other`,
    );
  if (secret !== null && !secretOf) shared.secrets.set(secret, label(keys.secret));
  const energyText = text(source, keys.energy, label(keys.energy), problems, "0.05") as string;
  const energyProblem = decimalProblem(energyText);
  const energy = energyProblem ? undefined : parseDecimal(energyText) && microUsd(energyText);
  if (energyProblem && !/^must be a number,/.test(energyProblem)) problems.add(label(keys.energy), energyProblem);
  else if (energy === undefined || energy < 0)
    problems.add(label(keys.energy), `must be a non-negative price in USD per kWh, got ${JSON.stringify(energyText)}`);
  else if (energy > maxEnergyMicroUsdPerKwh)
    problems.add(
      label(keys.energy),
      `must be at most ${maxEnergyMicroUsdPerKwh / 1e6} (USD per kWh, not cents: 12 cents is 0.12), got ${energyText}`,
    );
  const poolFee = number(source, keys.poolFee, label(keys.poolFee), problems, 2, {
    min: 0,
    max: maxPoolFeePercent,
    hint: "a percentage: 2 is 2 %",
  });
  const dryRun = boolean(
    source,
    keys.dryRun,
    label(keys.dryRun),
    problems,
    boolean(env, "DRY_RUN", "DRY_RUN", new Problems(), false),
  );

  const miners: MinerEndpoint[] = [];
  const seenIds = new Map<string, string>();
  const seenAddresses = new Map<string, string>();
  for (const miner of raw.miners) {
    const ml = (k: string) => `${miner.label}${k}`;
    const host = text(miner.source, miner.keys.ip, ml(miner.keys.ip), problems);
    if (host === undefined) {
      problems.add(ml(miner.keys.ip), "is required (the miner's address)");
      continue;
    }
    const hostProblem = hostWithPortProblem(host, ml(miner.keys.port)) ?? minerHostProblem(host);
    if (hostProblem) problems.add(ml(miner.keys.ip), hostProblem);
    const port = number(miner.source, miner.keys.port, ml(miner.keys.port), problems, 4028, {
      min: 1,
      max: 65535,
      integer: true,
    });
    const minerId =
      text(miner.source, miner.keys.id, ml(miner.keys.id), problems) ??
      `${host.replace(/[^A-Za-z0-9._-]/g, "_")}${port === 4028 ? "" : `_${port}`}`;
    if (!idPattern.test(minerId))
      problems.add(ml(miner.keys.id), `must match [A-Za-z0-9._-]{1,64}, got ${JSON.stringify(minerId)}`);
    const model = text(miner.source, miner.keys.model, ml(miner.keys.model), problems);
    if (model !== undefined && !modelById(model))
      problems.add(
        ml(miner.keys.model),
        `unknown model ${JSON.stringify(model)} (known: ${models.map((m) => m.id).join(", ")})`,
      );
    const earlier = seenIds.get(minerId);
    if (earlier) problems.add(ml(miner.keys.id), `duplicates the miner id ${JSON.stringify(minerId)} of ${earlier}`);
    seenIds.set(minerId, ml(miner.keys.id));
    const address = `${host}:${port}`;
    // A host refused above is not an address: comparing it would only add a confusing line.
    const sameAddress = hostProblem ? undefined : seenAddresses.get(address);
    if (sameAddress) problems.add(ml(miner.keys.ip), `${address} is already configured as ${sameAddress}`);
    seenAddresses.set(address, ml(miner.keys.ip));
    // Under two operators one machine would be decided for (and stopped) twice, and each would
    // see the other's miner: refused naming both.
    const elsewhere = hostProblem ? undefined : shared.addresses.get(address);
    if (!sameAddress && elsewhere && elsewhere.operator !== raw)
      problems.add(
        ml(miner.keys.ip),
        `${address} is already configured under another operator as ${elsewhere.key}: a miner belongs to one operator`,
      );
    if (!elsewhere && !hostProblem) shared.addresses.set(address, { key: ml(miner.keys.ip), operator: raw });
    miners.push({ id: minerId, host, port, ...(model ? { model: model.toLowerCase() } : {}) });
  }
  const policy = policyFrom(env, raw.policy, raw.policyLabel, problems);
  if (id === undefined) return undefined;
  return {
    id,
    label: text(source, keys.label, label(keys.label), problems, id) as string,
    mode,
    secret,
    dryRun,
    miners,
    site: { energyMicroUsdPerKwh: energy ?? 0, poolFeePpm: Math.round(poolFee * 10_000) },
    policy,
  };
}

function jsonOperators(env: Source, problems: Problems): RawOperator[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(env.OPERATORS_JSON));
  } catch (error) {
    problems.add("OPERATORS_JSON", `is not valid JSON (${(error as Error).message})`);
    return [];
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    problems.add("OPERATORS_JSON", "must be a non-empty JSON array of operators");
    return [];
  }
  const operators: RawOperator[] = [];
  parsed.forEach((entry, index) => {
    const at = `OPERATORS_JSON[${index}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      problems.add(at, "must be an object");
      return;
    }
    const operator = entry as Source;
    unknownJsonFields(operator, jsonFields.operator, at, problems);
    const site = (operator.site ?? {}) as Source;
    if (typeof site !== "object" || site === null || Array.isArray(site))
      problems.add(`${at}.site`, "must be an object");
    else unknownJsonFields(site, jsonFields.site, `${at}.site`, problems);
    // The site's fields are read under their own paths, so a problem names what was written
    // (OPERATORS_JSON[0].site.poolFeePercent), whichever of the two energy names was used.
    if (site.energyCostPerKwh !== undefined && site.energyPriceUsdPerKwh !== undefined)
      problems.add(
        `${at}.site.energyPriceUsdPerKwh`,
        "is another name for site.energyCostPerKwh, which is also set: give one",
      );
    const energyKey =
      site.energyCostPerKwh === undefined && site.energyPriceUsdPerKwh !== undefined
        ? "site.energyPriceUsdPerKwh"
        : "site.energyCostPerKwh";
    const flat: Source = {
      ...operator,
      [energyKey]: site.energyCostPerKwh ?? site.energyPriceUsdPerKwh,
      "site.poolFeePercent": site.poolFeePercent,
    };
    const minerList = operator.miners ?? [];
    if (!Array.isArray(minerList)) problems.add(`${at}.miners`, "must be an array");
    const policy = operator.policy as Source | undefined;
    if (policy !== undefined && (typeof policy !== "object" || policy === null || Array.isArray(policy)))
      problems.add(`${at}.policy`, "must be an object");
    operators.push({
      label: `${at}.`,
      source: flat,
      keys: {
        id: "operatorId",
        label: "label",
        mode: "operatorMode",
        secret: "apiSecret",
        energy: energyKey,
        poolFee: "site.poolFeePercent",
        dryRun: "dryRun",
      },
      miners: (Array.isArray(minerList) ? minerList : []).map((miner, m) => {
        const object = (typeof miner === "object" && miner !== null ? miner : {}) as Source;
        unknownJsonFields(object, jsonFields.miner, `${at}.miners[${m}]`, problems);
        return {
          label: `${at}.miners[${m}].`,
          source: object,
          keys: {
            ip: object.ip === undefined && object.host !== undefined ? "host" : "ip",
            id: "id",
            port: "port",
            model: "model",
          },
        };
      }),
      minersKey: `${at}.miners`,
      policy: typeof policy === "object" && policy !== null && !Array.isArray(policy) ? policy : undefined,
      policyLabel: `${at}.policy`,
    });
  });
  return operators;
}

function indexedOperators(env: Source): RawOperator[] {
  return indexes(env, /^OPERATOR_(\d+)_/).map((n) => ({
    label: "",
    source: env,
    keys: operatorKeys(`OPERATOR_${n}_`),
    miners: indexes(env, new RegExp(`^OPERATOR_${n}_MINER_(\\d+)_`)).map((m) => ({
      label: "",
      source: env,
      keys: minerKeys(`OPERATOR_${n}_MINER_${m}_`),
    })),
    minersKey: `OPERATOR_${n}_MINER_0_IP`,
    policy: undefined,
    policyLabel: "policy",
  }));
}

function singleOperator(env: Source): RawOperator {
  const source: Source = { ...env, OPERATOR_ID: env.OPERATOR_ID ?? "default" };
  return {
    label: "",
    source,
    keys: {
      id: "OPERATOR_ID",
      label: "OPERATOR_LABEL",
      mode: "OPERATOR_MODE",
      secret: "API_SECRET",
      energy: "ENERGY_COST_PER_KWH",
      poolFee: "POOL_FEE_PERCENT",
      dryRun: "DRY_RUN",
    },
    miners: indexes(env, /^MINER_(\d+)_/).map((m) => ({
      label: "",
      source: env,
      keys: minerKeys(`MINER_${m}_`),
    })),
    minersKey: "MINER_0_IP",
    policy: undefined,
    policyLabel: "policy",
  };
}

function urlOf(env: Source, key: string, fallback: string, problems: Problems): string {
  const value = text(env, key, key, problems, fallback) as string;
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:")
      problems.add(key, `must be an http(s) URL, got ${JSON.stringify(value)}`);
  } catch {
    problems.add(key, `is not a URL: ${JSON.stringify(value)}`);
  }
  return value;
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || (isIP(bare) === 4 && bare.startsWith("127."));
}

/** The site's Prometheus scrape token (every operator's gauges): long enough not to be guessed. */
function metricsToken(source: Source, problems: Problems): string | null {
  const token = text(source, "METRICS_TOKEN", "METRICS_TOKEN", problems) ?? null;
  if (token !== null && token.length < minSecretLength)
    problems.add("METRICS_TOKEN", `must be at least ${minSecretLength} characters`);
  return token;
}

/** Reads and validates the whole configuration; throws a ConfigError listing every problem. */
export function loadFleetConfig(env: Record<string, string | undefined>): FleetConfig {
  const problems = new Problems();
  const source = env as Source;
  const authDisabled = boolean(source, "AUTH_DISABLED", "AUTH_DISABLED", problems, false);
  const legacyBearer = boolean(source, "AUTH_ALLOW_LEGACY_BEARER", "AUTH_ALLOW_LEGACY_BEARER", problems, false);

  unknownFleetKeys(source, problems);
  const hasJson = env.OPERATORS_JSON !== undefined && env.OPERATORS_JSON.trim() !== "";
  const indexedKeys = Object.keys(env).filter((key) => /^OPERATOR_\d+_/.test(key));
  const singleKeys = Object.keys(env).filter((key) => /^MINER_\d+_/.test(key));
  if (hasJson && indexedKeys.length > 0)
    problems.add(indexedKeys[0] as string, "cannot be combined with OPERATORS_JSON: use one form");
  if ((hasJson || indexedKeys.length > 0) && singleKeys.length > 0) {
    problems.add(
      singleKeys[0] as string,
      `cannot be combined with ${hasJson ? "OPERATORS_JSON" : indexedKeys[0]}: single-operator variables are for one operator`,
    );
  }
  const raws = hasJson
    ? jsonOperators(source, problems)
    : indexedKeys.length > 0
      ? indexedOperators(source)
      : [singleOperator(source)];
  const simulatedCount = number(source, "SIMULATED_MINERS", "SIMULATED_MINERS", problems, 24, {
    min: 1,
    max: 20_000,
    integer: true,
  });
  const noMiners = raws.every((raw) => raw.miners.length === 0);
  const simulatedOnly = noMiners && !hasJson && indexedKeys.length === 0;
  const shared: SharedAcrossOperators = { addresses: new Map(), secrets: new Map() };
  const read = raws.map((raw) => ({
    raw,
    operator: readOperator(raw, source, problems, authDisabled, simulatedOnly, shared),
  }));
  const operators = read.flatMap(({ operator }) => (operator ? [operator] : []));
  // Each problem names the key the operator wrote (OPERATOR_3_ID, not the operator's position).
  const seen = new Set<string>();
  for (const { raw, operator } of read) {
    if (!operator) continue;
    if (seen.has(operator.id)) {
      problems.add(`${raw.label}${raw.keys.id}`, `duplicates operator id ${JSON.stringify(operator.id)}`);
    }
    seen.add(operator.id);
    if (operator.miners.length === 0 && !simulatedOnly) problems.add(raw.minersKey, "the operator has no miners");
  }

  const storeKind = oneOf(
    source,
    "LEDGER_STORE",
    "LEDGER_STORE",
    problems,
    ["jsonl", "sqlite", "postgres"] as const,
    // The seed's ledger is JSONL files per operator, and it is the ledger's fastest durable store.
    "jsonl",
  );
  const dataDir = text(source, "DATA_DIR", "DATA_DIR", problems, "./data") as string;
  let ledger: LedgerConfig;
  if (storeKind === "postgres") {
    const url =
      text(source, "LEDGER_URL", "LEDGER_URL", problems) ?? text(source, "DATABASE_URL", "DATABASE_URL", problems);
    if (!url) problems.add("LEDGER_URL", "is required when LEDGER_STORE=postgres");
    else if (!/^postgres(ql)?:\/\//.test(url)) problems.add("LEDGER_URL", "must be a postgres:// URL");
    ledger = { store: "postgres", url: url ?? "" };
  } else if (storeKind === "jsonl") {
    ledger = {
      store: "jsonl",
      dir: text(source, "LEDGER_DIR", "LEDGER_DIR", problems, `${dataDir}/fleet-ledger`) as string,
      // Older records are gzip'd into sealed segments past this size of records.jsonl (about 6x smaller).
      sealBytes:
        number(source, "LEDGER_SEAL_MB", "LEDGER_SEAL_MB", problems, 64, { min: 0, max: 1_048_576, integer: true }) *
        1024 *
        1024,
    };
  } else {
    ledger = {
      store: "sqlite",
      path: text(source, "LEDGER_PATH", "LEDGER_PATH", problems, `${dataDir}/fleet-ledger.sqlite`) as string,
    };
  }
  // Old records moved to another disk: off unless LEDGER_ARCHIVE_DIR is set.
  const archive = readLedgerArchive(source, problems);
  if (archive) ledger.archive = archive;

  const priceKind = oneOf(
    source,
    "PRICE_SOURCE",
    "PRICE_SOURCE",
    problems,
    ["fixed", "coingecko", "mempool"] as const,
    "fixed",
  );
  const networkKind = oneOf(
    source,
    "NETWORK_SOURCE",
    "NETWORK_SOURCE",
    problems,
    ["fixed", "mempool"] as const,
    "fixed",
  );
  const price: PriceSourceConfig =
    priceKind === "fixed"
      ? { kind: "fixed" }
      : {
          kind: priceKind,
          url: urlOf(
            source,
            "PRICE_URL",
            priceKind === "coingecko" ? "https://api.coingecko.com" : "https://mempool.space",
            problems,
          ),
        };
  const network: NetworkSourceConfig =
    networkKind === "fixed"
      ? { kind: "fixed" }
      : { kind: "mempool", url: urlOf(source, "NETWORK_URL", "https://mempool.space", problems) };
  const fixedPrice = text(
    source,
    "FIXED_BTC_PRICE_USD",
    "FIXED_BTC_PRICE_USD",
    problems,
    defaultFixedMarket.usdPerBtc,
  ) as string;
  const fixedMicro = microUsd(fixedPrice);
  if (!(fixedMicro !== undefined && fixedMicro > 0))
    problems.add("FIXED_BTC_PRICE_USD", `must be a positive decimal, got ${JSON.stringify(fixedPrice)}`);
  else if (fixedMicro / 1e6 < marketBounds.usdPerBtc.min || fixedMicro / 1e6 > marketBounds.usdPerBtc.max)
    problems.add(
      "FIXED_BTC_PRICE_USD",
      `must be a plausible BTC price, ${marketBounds.usdPerBtc.min}…${marketBounds.usdPerBtc.max} USD, got ${fixedPrice}`,
    );
  const fixedDifficulty = text(
    source,
    "FIXED_DIFFICULTY",
    "FIXED_DIFFICULTY",
    problems,
    defaultFixedMarket.difficulty,
  ) as string;
  const difficulty = parseDecimal(fixedDifficulty);
  if (!difficulty || difficulty.num <= 0n)
    problems.add("FIXED_DIFFICULTY", `must be a positive decimal, got ${JSON.stringify(fixedDifficulty)}`);
  else if (
    Number(difficulty.num) / Number(difficulty.den) < marketBounds.difficulty.min ||
    Number(difficulty.num) / Number(difficulty.den) > marketBounds.difficulty.max
  )
    problems.add(
      "FIXED_DIFFICULTY",
      `must be a plausible network difficulty, ${marketBounds.difficulty.min.toExponential()}…${marketBounds.difficulty.max.toExponential()}, got ${fixedDifficulty}`,
    );
  const fixed: FixedMarket = {
    usdPerBtc: fixedPrice,
    difficulty: fixedDifficulty,
    feesPerBlockSat: number(
      source,
      "FIXED_FEES_PER_BLOCK_SAT",
      "FIXED_FEES_PER_BLOCK_SAT",
      problems,
      defaultFixedMarket.feesPerBlockSat,
      { min: 0, max: marketBounds.feesPerBlockSat.max, integer: true },
    ),
    height: number(source, "FIXED_BLOCK_HEIGHT", "FIXED_BLOCK_HEIGHT", problems, defaultFixedMarket.height ?? 0, {
      min: 0,
      integer: true,
    }),
  };

  const host = text(source, "HOST", "HOST", problems, "127.0.0.1") as string;
  // Without authentication anyone who can reach the port drives the miners: loopback only, unless
  // the operator says in so many words that the network is theirs.
  if (
    authDisabled &&
    !isLoopback(host) &&
    !boolean(source, "AUTH_DISABLED_ALLOW_REMOTE", "AUTH_DISABLED_ALLOW_REMOTE", problems, false)
  )
    problems.add(
      "AUTH_DISABLED",
      `turns authentication off, and HOST=${host} is not a loopback address: anyone who reaches the port could stop the miners. Listen on 127.0.0.1, or set AUTH_DISABLED_ALLOW_REMOTE=true if that network is yours alone`,
    );
  const connectTimeoutMs = number(source, "CGMINER_CONNECT_TIMEOUT_MS", "CGMINER_CONNECT_TIMEOUT_MS", problems, 2_000, {
    min: 50,
  });
  const totalTimeoutMs = number(source, "CGMINER_TIMEOUT_MS", "CGMINER_TIMEOUT_MS", problems, 5_000, { min: 100 });
  if (connectTimeoutMs > totalTimeoutMs)
    problems.add(
      "CGMINER_CONNECT_TIMEOUT_MS",
      `(${connectTimeoutMs} ms) is longer than CGMINER_TIMEOUT_MS (${totalTimeoutMs} ms), the deadline of the whole exchange: it could never apply`,
    );
  const config: FleetConfig = {
    operators,
    simulated: simulatedOnly
      ? {
          miners: simulatedCount,
          seed: number(source, "SIMULATOR_SEED", "SIMULATOR_SEED", problems, 1, { integer: true }),
        }
      : null,
    server: { host, port: number(source, "PORT", "PORT", problems, 3001, { min: 0, max: 65535, integer: true }) },
    auth: {
      disabled: authDisabled,
      legacyBearer,
      maxSkewMs: number(source, "AUTH_MAX_SKEW_MS", "AUTH_MAX_SKEW_MS", problems, 60_000, { min: 1_000, max: 600_000 }),
      metricsToken: metricsToken(source, problems),
    },
    rateLimitPerMinute: number(source, "RATE_LIMIT_PER_MINUTE", "RATE_LIMIT_PER_MINUTE", problems, 1_200, {
      min: 0,
      integer: true,
    }),
    ledger,
    keyFile: text(source, "LEDGER_KEY_FILE", "LEDGER_KEY_FILE", problems, `${dataDir}/fleet-ledger.key`) as string,
    dataDir,
    market: {
      price,
      network,
      fixed,
      refreshMs: number(source, "MARKET_REFRESH_MS", "MARKET_REFRESH_MS", problems, 60_000, { min: 0 }),
      timeoutMs: number(source, "MARKET_TIMEOUT_MS", "MARKET_TIMEOUT_MS", problems, 5_000, { min: 100 }),
    },
    loop: {
      enabled: boolean(source, "LOOP_ENABLED", "LOOP_ENABLED", problems, true),
      intervalMs: operators[0]?.policy.pollIntervalMs ?? defaultPolicy.pollIntervalMs,
    },
    transport: { connectTimeoutMs, totalTimeoutMs },
    concurrency: number(source, "POLL_CONCURRENCY", "POLL_CONCURRENCY", problems, 256, {
      min: 1,
      max: 4096,
      integer: true,
    }),
  };
  problems.throwIfAny();
  return config;
}
