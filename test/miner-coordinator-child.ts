// A coordinator in its own process, for the miner end-to-end test that kills it (SIGKILL, no
// graceful close) mid-job and starts it again on the same data directory and port.
// Settings come from the environment (PITHEAD_DATA, PITHEAD_PORT, PITHEAD_ADMIN_KEY, …); it
// prints its URL on one line once it listens, and nothing else on stdout. Its log goes to stderr,
// which the test sends to a file it prints only when it fails (not into every CI run's output).
import { startCoordinator } from "@pithead/coordinator";

const coordinator = await startCoordinator({
  env: process.env,
  // startCoordinator leaves PITHEAD_LOG_LEVEL to whoever passes the logger (the CLI does).
  logger: { level: process.env.PITHEAD_LOG_LEVEL ?? "info", stream: process.stderr },
});
process.stdout.write(`listening ${coordinator.url}\n`);
process.once("SIGTERM", () => {
  coordinator.close().then(() => process.exit(0));
});
