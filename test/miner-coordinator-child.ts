// A coordinator in its own process, for the miner end-to-end test that kills it (SIGKILL, no
// graceful close) mid-job and starts it again on the same data directory and port.
// Settings come from the environment (PITHEAD_DATA, PITHEAD_PORT, PITHEAD_ADMIN_KEY, …); it
// prints its URL on one line once it listens.
import { startCoordinator } from "@pithead/coordinator";

const coordinator = await startCoordinator({ env: process.env });
process.stdout.write(`listening ${coordinator.url}\n`);
process.once("SIGTERM", () => {
  coordinator.close().then(() => process.exit(0));
});
