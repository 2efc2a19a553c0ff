// A coordinator process without the CLI around it (faster to start, for tests that restart it
// many times): `node coordinator-main.ts '<flags as JSON>'`, configured like `pithead coordinator start`.
import { closeOnSignals } from "@pithead/http";
import type { RawSettings } from "../../src/config.ts";
import { startCoordinator } from "../../src/start.ts";

const flags = JSON.parse(process.argv[2] ?? "{}") as RawSettings;
const running = await startCoordinator({ flags, logger: { level: process.env.PITHEAD_LOG_LEVEL ?? "warn" } });
process.stderr.write(`coordinator listening on ${running.url}\n`);
closeOnSignals(running.app);
