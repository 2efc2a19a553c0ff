// The benchmark's simulated fleet, in its own process so the controller under test does not
// share a CPU thread with the miners it polls. Prints one line, `READY <endpoints JSON>`, once
// every listener is up; answers each `CPU` line on stdin with `CPU <process.cpuUsage() JSON>` (so
// the benchmark can say what the simulator spent per phase); exits when its parent closes stdin.

import { createInterface } from "node:readline";
import { FleetSimulator } from "../../packages/fleet/src/index.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i] ?? "", process.argv[i + 1] ?? "");
const miners = Number(args.get("--miners") ?? "10000");
const base = args.get("--base") ?? "127.3.0.1";

const simulator = await FleetSimulator.start({
  miners,
  addressing: { mode: "hosts", base, port: 4028 },
  models: ["s19", "s19-xp", "s21", "m30s", "s17-pro", "avalon-1246"],
});
process.stdout.write(`READY ${JSON.stringify(simulator.endpoints())}\n`);
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() === "CPU") process.stdout.write(`CPU ${JSON.stringify(process.cpuUsage())}\n`);
});
lines.on("close", async () => {
  await simulator.close();
  process.exit(0);
});
