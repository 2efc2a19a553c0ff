// The coordinator under test, in its own process (as in production): `node server.ts '<flags JSON>'`.
import { startCoordinator } from "@pithead/coordinator";

const flags = JSON.parse(process.argv[2] ?? "{}");
const running = await startCoordinator({ flags, logger: { level: "warn" } });
process.stdout.write(`${JSON.stringify({ url: running.url, adminKey: running.generatedAdminKey ?? null })}\n`);
const stop = () => {
  void running.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
