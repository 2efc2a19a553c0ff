import { readFileSync } from "node:fs";
import { signFleetRequest } from "../../packages/fleet/src/auth/sign.ts";
const keys = JSON.parse(readFileSync("/tmp/up1/data/keys.json", "utf8"));
const fleetSecret = readFileSync("/tmp/up2/data/fleet-operator-default.secret", "utf8").trim();
const values = ["0", "-1", "1", "99999999999999999999", "abc", "", "1.5", "%00", "true", "..%2F..", "x".repeat(300)];
type Svc = { name: string; base: string; headers: (method: string, path: string) => Promise<Record<string, string>> };
const services: Svc[] = [
  { name: "coordinator", base: "http://127.0.0.1:8080", headers: async () => ({ authorization: `Bearer ${keys.coordinatorAdminKey}` }) },
  { name: "agent", base: "http://127.0.0.1:8001", headers: async () => ({ "x-api-key": keys.agentApiKey }) },
  { name: "fleet", base: "http://127.0.0.1:3099", headers: async (method, path) => signFleetRequest({ operatorId: "default", secret: fleetSecret, method, path }) },
];
let bad = 0;
for (const svc of services) {
  const doc = await (await fetch(`${svc.base}/openapi.json`)).json() as { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> };
  let n = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    const op = ops.get;
    if (!op || path.includes("events") || path.endsWith("/export")) continue;
    const params = op.parameters ?? [];
    const pathParams = params.filter((p) => p.in === "path").map((p) => p.name);
    const queryParams = params.filter((p) => p.in === "query").map((p) => p.name);
    const cases: string[] = [];
    for (const v of values) {
      let p = path;
      for (const name of pathParams) p = p.replace(`{${name}}`, encodeURIComponent(v) || "x");
      cases.push(p);
      for (const q of queryParams) {
        let base = path;
        for (const name of pathParams) base = base.replace(`{${name}}`, "1");
        cases.push(`${base}?${q}=${v}`);
      }
    }
    for (const url of cases) {
      n++;
      const headers = await svc.headers("GET", url);
      const ctl = AbortSignal.timeout(5000);
      try {
        const res = await fetch(`${svc.base}${url}`, { headers, signal: ctl });
        const text = await res.text();
        if (res.status >= 500 || text.includes("[object Object]")) { bad++; console.log(svc.name, res.status, url.slice(0, 100), text.slice(0, 160)); }
      } catch (e) { bad++; console.log(svc.name, "ERR", url.slice(0, 100), String(e).slice(0, 100)); }
    }
  }
  console.log(svc.name, "requests", n);
}
console.log("bad", bad);
