// A running fleet controller's address (`fleet cycle --url`, FLEET_URL; `fleet sign --url`), checked
// before anything is signed or sent: "127.0.0.1:3001" without its scheme is a command-line error
// naming where it came from (2), not "cannot reach 127.0.0.1:3001: Invalid URL" (1) after the fact.

import { EXIT_USAGE, fail } from "../output.ts";

export function checkedFleetUrl(url: string, source: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:"))
    fail(`${source}: "${url}" is not an http(s) URL (e.g. http://127.0.0.1:3001)`, EXIT_USAGE);
  return url;
}
