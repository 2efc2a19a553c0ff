// Trading the login code `pithead up` printed for the keys it created (POST /session).

import { callJson } from "../api/http.ts";
import { type Connections, normaliseConnections, type ServerInfo } from "./connections.ts";

export function fetchServerInfo(signal?: AbortSignal): Promise<ServerInfo> {
  return callJson<ServerInfo>("dashboard", "/session", { signal });
}

export async function logInWithCode(code: string): Promise<Connections> {
  const bundle = await callJson<unknown>("dashboard", "/session", { method: "POST", body: JSON.stringify({ code }) });
  return normaliseConnections(bundle, "login-code");
}
