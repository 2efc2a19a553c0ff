// The coordinator's URL for a CLI command (--url, PITHEAD_URL, COORD_URL, the default), checked:
// a typo is named with where it came from, instead of surfacing as a failed connection.
import { coordinatorUrl } from "@pithead/coordinator";
import { fail } from "./output.ts";

export function coordinatorUrlOf(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = coordinatorUrl(flag, env);
  const source = flag !== undefined ? "--url" : env.PITHEAD_URL ? "PITHEAD_URL" : env.COORD_URL ? "COORD_URL" : "";
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    fail(`${source}: "${url}" is not an http(s) URL (e.g. http://127.0.0.1:8080)`, 2);
  }
  // The API's own prefix pasted with the address (".../v1", as routes are written in the docs): the
  // commands add /v1/... themselves, so it would 404 every call. Taken as the base URL it names.
  return url.replace(/\/v1\/*$/, "");
}
