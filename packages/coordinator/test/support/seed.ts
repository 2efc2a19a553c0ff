// Pieces of the seed document (/work/shared/seeds or the copy CI provides), taken verbatim.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

const candidates = [
  process.env.PITHEAD_SEEDS_DIR ? resolve(process.env.PITHEAD_SEEDS_DIR, "000_7fce141e03a4db7f.txt") : "",
  resolve(import.meta.dirname, "../../../../../shared/seeds/000_7fce141e03a4db7f.txt"),
  "/work/shared/seeds/000_7fce141e03a4db7f.txt",
].filter(Boolean);

export function seedPath(): string | undefined {
  return candidates.find((path) => existsSync(path));
}

/** The first ```bash block after `heading` in the seed, byte for byte. */
export function seedScript(heading: string): string {
  const path = seedPath();
  if (!path) throw new Error(`seed 000_7fce141e03a4db7f.txt not found (looked in ${candidates.join(", ")})`);
  const text = readFileSync(path, "utf8");
  const section = text.indexOf(heading);
  if (section < 0) throw new Error(`seed has no section "${heading}"`);
  const start = text.indexOf("```bash\n", section);
  const end = text.indexOf("\n```", start + 8);
  if (start < 0 || end < 0) throw new Error(`no bash block after "${heading}"`);
  return `${text.slice(start + 8, end)}\n`;
}
