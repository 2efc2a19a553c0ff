// Nameplate figures per model: what the maker rates the machine at. They give the expected
// hashrate when the firmware does not report one, the power estimate when it reports none
// (watts = TH/s × J/TH), the "impossible value" bound and the simulator's behaviour.
// Figures are the makers' published stock-mode ratings, rounded.

export type FirmwareFamily = "cgminer" | "bmminer" | "btminer" | "avalon";

export interface ModelSpec {
  /** Stable identifier used in configuration (`model: "s19"`). */
  id: string;
  /** Name as the firmware reports it. */
  label: string;
  /** Nameplate hashrate, TH/s. */
  nameplateThs: number;
  /** Efficiency at nameplate, joules per terahash. */
  joulesPerTh: number;
  boards: number;
  chipsPerBoard: number;
  fans: number;
  /** The firmware the model ships with. */
  firmware: FirmwareFamily;
}

export const models: readonly ModelSpec[] = [
  {
    id: "s9",
    label: "Antminer S9",
    nameplateThs: 13.5,
    joulesPerTh: 98,
    boards: 3,
    chipsPerBoard: 63,
    fans: 2,
    firmware: "bmminer",
  },
  {
    id: "s17-pro",
    label: "Antminer S17 Pro",
    nameplateThs: 53,
    joulesPerTh: 39.5,
    boards: 3,
    chipsPerBoard: 48,
    fans: 4,
    firmware: "bmminer",
  },
  {
    id: "s19",
    label: "Antminer S19",
    nameplateThs: 95,
    joulesPerTh: 34.5,
    boards: 3,
    chipsPerBoard: 76,
    fans: 4,
    firmware: "bmminer",
  },
  {
    id: "s19-xp",
    label: "Antminer S19 XP",
    nameplateThs: 140,
    joulesPerTh: 21.5,
    boards: 3,
    chipsPerBoard: 110,
    fans: 4,
    firmware: "bmminer",
  },
  {
    id: "s21",
    label: "Antminer S21",
    nameplateThs: 200,
    joulesPerTh: 17.5,
    boards: 3,
    chipsPerBoard: 108,
    fans: 4,
    firmware: "bmminer",
  },
  {
    id: "m30s",
    label: "WhatsMiner M30S",
    nameplateThs: 88,
    joulesPerTh: 38,
    boards: 3,
    chipsPerBoard: 148,
    fans: 2,
    firmware: "btminer",
  },
  {
    id: "avalon-1246",
    label: "AvalonMiner 1246",
    nameplateThs: 90,
    joulesPerTh: 38,
    boards: 3,
    chipsPerBoard: 120,
    fans: 2,
    firmware: "avalon",
  },
  // A generic cgminer host driving ASC devices (e.g. an older Antminer S7 or a USB stick farm):
  // the one family where cgminer's own ascdisable/ascenable can stop and start hashing.
  {
    id: "cgminer-asc",
    label: "cgminer ASC rig",
    nameplateThs: 4.73,
    joulesPerTh: 250,
    boards: 3,
    chipsPerBoard: 54,
    fans: 1,
    firmware: "cgminer",
  },
];

const byId = new Map(models.map((model) => [model.id, model]));

export function modelById(id: string): ModelSpec | undefined {
  return byId.get(id.toLowerCase());
}

function squash(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * The catalogue entry for a model name as firmwares write it ("Antminer S19 XP", "M30S+V40",
 * "1246-..."), the longest match winning so "S19 XP" is not taken for "S19".
 */
export function findModel(reported: string | null | undefined): ModelSpec | undefined {
  if (!reported) return undefined;
  if (found.has(reported)) return found.get(reported);
  const model = search(reported);
  if (found.size < 10_000) found.set(reported, model); // a fleet reports a handful of names
  return model;
}

const found = new Map<string, ModelSpec | undefined>();

function search(reported: string): ModelSpec | undefined {
  const direct = modelById(reported);
  if (direct) return direct;
  const text = squash(reported);
  let best: ModelSpec | undefined;
  let bestLength = 0;
  for (const model of models) {
    const keys = [squash(model.label), squash(model.label.replace(/^(antminer|whatsminer|avalonminer)\s*/i, ""))];
    for (const key of keys) {
      if (key.length > bestLength && text.includes(key)) {
        best = model;
        bestLength = key.length;
      }
    }
  }
  return best;
}
