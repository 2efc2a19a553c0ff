// The display name of a configured model id ("s17-pro" → "Antminer S17 Pro"), for a miner that has
// never answered: the API then gives the id from the configuration instead of the name the
// firmware reports. A copy of the fleet package's catalogue (id → label): the browser bundle can
// import only @pithead/fleet/sign, the rest of that package is Node's (sockets, Fastify).
// test/model-names.test.ts fails when the two drift apart.

export const configuredModelNames: Readonly<Record<string, string>> = {
  s9: "Antminer S9",
  "s17-pro": "Antminer S17 Pro",
  s19: "Antminer S19",
  "s19-xp": "Antminer S19 XP",
  s21: "Antminer S21",
  m30s: "WhatsMiner M30S",
  "avalon-1246": "AvalonMiner 1246",
  "cgminer-asc": "cgminer ASC rig",
};

/** The name to show: what the miner reported, else its configured model's name, else the id as given. */
export function modelDisplayName(model: string | null): string | null {
  if (model === null) return null;
  return configuredModelNames[model.toLowerCase()] ?? model;
}
