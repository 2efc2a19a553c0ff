// Settings the fleet does not know, in its own namespaces (OPERATOR_<n>_…, MINER_<m>_…) and in
// OPERATORS_JSON's objects: a typo there (OPERATOR_1_ENERGY_PRICE for
// OPERATOR_1_ENERGY_COST_PER_KWH) would otherwise be ignored and the default used, so profit and
// decisions would quietly rest on a wrong figure. Other variables are left alone: the environment
// and a shared .env file hold other tools' too.
import type { Problems, Source } from "./env-reader.ts";

/** An indexed operator's settings (OPERATOR_<n>_…): the names load-config reads, and the only ones known. */
export function operatorKeys(prefix: string) {
  return {
    id: `${prefix}ID`,
    label: `${prefix}LABEL`,
    mode: `${prefix}MODE`,
    secret: `${prefix}SECRET`,
    energy: `${prefix}ENERGY_COST_PER_KWH`,
    poolFee: `${prefix}POOL_FEE_PERCENT`,
    dryRun: `${prefix}DRY_RUN`,
  };
}

/** A miner's settings (MINER_<m>_… or OPERATOR_<n>_MINER_<m>_…). */
export function minerKeys(prefix: string) {
  return { ip: `${prefix}IP`, id: `${prefix}ID`, port: `${prefix}PORT`, model: `${prefix}MODEL` };
}

const operatorSettings = Object.values(operatorKeys(""));
const minerSettings = Object.values(minerKeys(""));
const list = (names: string[]) => names.map((name) => `_${name}`).join(", ");

export function unknownFleetKeys(env: Source, problems: Problems): void {
  for (const key of Object.keys(env)) {
    const operator = /^OPERATOR_(\d+)_(.*)$/.exec(key);
    if (operator) {
      const [, n, rest = ""] = operator;
      const miner = /^MINER_\d+_(.*)$/.exec(rest);
      const known = miner ? minerSettings.includes(miner[1] ?? "") : operatorSettings.includes(rest);
      if (!known) {
        problems.add(
          key,
          `unknown setting: an operator's are OPERATOR_${n}${list(operatorSettings)} and OPERATOR_${n}_MINER_<m>${list(minerSettings)}`,
        );
      }
      continue;
    }
    const miner = /^MINER_(\d+)_(.*)$/.exec(key);
    if (miner && !minerSettings.includes(miner[2] ?? "")) {
      problems.add(key, `unknown setting: a miner's are MINER_${miner[1]}${list(minerSettings)}`);
    }
  }
}

/** OPERATORS_JSON's field names, per object. */
export const jsonFields = {
  operator: ["operatorId", "label", "operatorMode", "apiSecret", "miners", "site", "policy", "dryRun"],
  site: ["energyCostPerKwh", "energyPriceUsdPerKwh", "poolFeePercent"],
  miner: ["id", "ip", "host", "port", "model"],
};

/** Names each field of `object` (at `at`, e.g. OPERATORS_JSON[0].site) that is not in `allowed`. */
export function unknownJsonFields(object: Source, allowed: readonly string[], at: string, problems: Problems): void {
  for (const field of Object.keys(object)) {
    if (!allowed.includes(field))
      problems.add(`${at}.${field}`, `unknown field: expected one of ${allowed.join(", ")}`);
  }
}
