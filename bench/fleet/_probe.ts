import { readFileSync } from "node:fs";
import { signFleetRequest } from "../../packages/fleet/src/auth/sign.ts";
const secret = readFileSync("/tmp/up2/data/fleet-operator-default.secret", "utf8").trim();
for (const [method, path, body] of [
  ["GET", "/ledger/decisions?limit=abc"],
  ["GET", "/ledger/decisions?limit=-1"],
  ["GET", "/ledger/decisions?before=abc"],
  ["GET", `/ledger/decisions?minerId=${"x".repeat(5000)}`],
  ["GET", "/ledger/records/999999999"],
  ["GET", "/ledger/records/abc"],
  ["GET", "/miners/nope/history?limit=5"],
  ["POST", "/miners/sim-001/stop", '{"reason":1}'],
  ["POST", "/miners/sim-001/stop", `{"reason":"${"r".repeat(600)}"}`],
  ["POST", "/mode", '{"mode":"MANUAL","extra":1}'],
  ["POST", "/loop/run-once?details=maybe", ""],
] as [string, string, string?][]) {
  const headers = await signFleetRequest({ operatorId: "default", secret, method, path, body });
  const res = await fetch(`http://127.0.0.1:3099${path}`, { method, headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) }, body: body || undefined });
  console.log(method, path.slice(0, 60), res.status, (await res.text()).slice(0, 200));
}
