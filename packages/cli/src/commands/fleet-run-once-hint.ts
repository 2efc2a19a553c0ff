// What `pithead fleet cycle` suggests when another process holds the fleet's ledger: run the cycle
// on the running controller (its /loop/run-once) with --url. The address is the one that controller
// says it listens on (its DATA_DIR's fleet-api.json): a controller started with --port, or another
// PORT, is not where this configuration's PORT points.

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { FleetConfig, Listening } from "@pithead/fleet";

export function runOnceHint(config: FleetConfig, operator: string | undefined, running: Listening | undefined): string {
  const id = operator ?? config.operators[0]?.id ?? "<operator>";
  // Named where the controller generated one (a simulated fleet), else left for the operator to fill.
  const generated = join(config.dataDir, `fleet-operator-${id}.secret`);
  const secret = existsSync(generated) ? generated : "<file holding the operator's API secret>";
  if (running) {
    return `  the controller holding it (process ${running.pid}) listens on ${running.url}: run the cycle there (its /loop/run-once) with\n    pithead fleet cycle --url ${running.url} --operator ${id} --secret-file ${secret}`;
  }
  // None says where it listens (another machine on a shared database, an in-process `fleet cycle`).
  const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
  const url = `http://${host}:${config.server.port}`;
  return `  if it is a running controller, run the cycle there (its /loop/run-once) with --url and the address it listens on (its "listening on" line; this configuration's PORT gives ${url}):\n    pithead fleet cycle --url ${url} --operator ${id} --secret-file ${secret}`;
}
