// Loads the reply corpus: replies in the shapes real firmwares send (cgminer, bmminer on the
// Antminer S9/S17/S19, btminer on Whatsminer, Avalon), kept byte for byte in .reply files.

import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const directory = fileURLToPath(new URL("./corpus/", import.meta.url));

export function corpus(name: string): string {
  return readFileSync(`${directory}${name}.reply`, "utf8");
}

export function corpusNames(): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith(".reply"))
    .map((file) => file.slice(0, -".reply".length));
}
