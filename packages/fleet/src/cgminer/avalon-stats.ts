// Avalon controllers pack each module's state into one string under "MM ID0" (or MM ID1..N on
// older AUC-connected rigs): `Ver[1246-...] Elapsed[103840] Temp[28] TMax[75] Fan1[2984]
// GHSmm[37768.67] MGHS[18727.58 18507.76] MTmax[75 70] PS[0 1212 1315 174 2288 1320] ...`.
// Brackets hold space-separated values; PS's fifth value is the supply's output power in W.

import type { JsonObject } from "./lenient-json.ts";
import { toNumber } from "./values.ts";

export type AvalonFields = Map<string, string[]>;

/** Parses one MM ID string into field → values; unknown layouts yield an empty map. */
export function parseAvalonModule(text: string): AvalonFields {
  const fields: AvalonFields = new Map();
  const pattern = /([A-Za-z][A-Za-z0-9_]*)\[([^\]]*)\]/g;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const name = match[1] as string;
    if (!fields.has(name)) fields.set(name, (match[2] ?? "").trim().split(/\s+/).filter(Boolean));
  }
  return fields;
}

/** Every MM ID string in the STATS rows, in order. */
export function avalonModules(rows: readonly JsonObject[]): AvalonFields[] {
  const modules: AvalonFields[] = [];
  for (const row of rows) {
    for (const [key, value] of Object.entries(row)) {
      if (/^MM ID\d+$/.test(key) && typeof value === "string") modules.push(parseAvalonModule(value));
    }
  }
  return modules;
}

export function fieldNumber(fields: AvalonFields, name: string, index = 0): number | undefined {
  return toNumber(fields.get(name)?.[index]);
}

export function fieldNumbers(fields: AvalonFields, name: string): number[] {
  return (fields.get(name) ?? [])
    .map((value) => toNumber(value))
    .filter((value): value is number => value !== undefined);
}

/** "1246-21011901_..." → "1246", the model number Canaan prints in Ver[]. */
export function avalonModelNumber(fields: AvalonFields): string | undefined {
  const version = fields.get("Ver")?.[0];
  const match = version ? /^(\d{3,4})/.exec(version) : null;
  return match?.[1];
}
