import { readFileSync } from "node:fs";
import { signFleetRequest } from "../../packages/fleet/src/auth/sign.ts";
const secret = readFileSync("/tmp/up2/data/fleet-operator-default.secret", "utf8").trim();
for (const path of [
  "/ledger/consistency?from=0&to=2",
  "/ledger/consistency?from=5&to=2",
  "/ledger/consistency?from=1&to=99999999",
  "/ledger/checkpoint?partition=fleet%2F..%2Fx",
  "/ledger/checkpoint?partition=",
  "/ledger/export?partition=fleet/nope",
  "/ledger/records?after=-1",
  "/ledger/records?limit=100000",
  "/ledger/records/-5",
  "/ledger/telemetry?minerId=sim-001&limit=1",
  "/ledger/status",
  "/miners/sim-001/history?limit=0",
  "/operators/default/ledger/records/1?partition=fleet/other",
]) {
  const headers = await signFleetRequest({ operatorId: "default", secret, method: "GET", path });
  const res = await fetch(`http://127.0.0.1:3099${path}`, { headers });
  console.log(path.slice(0, 60), res.status, (await res.text()).slice(0, 160));
}
