// The benchmark's simulated fleet, in its own process so the controller under test does not
// share a CPU thread with the miners it polls. Prints one line, `READY <endpoints JSON>`, once
// every listener is up, and exits when its parent closes stdin.

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
process.stdin.resume();
process.stdin.on("end", async () => {
  await simulator.close();
  process.exit(0);
});
