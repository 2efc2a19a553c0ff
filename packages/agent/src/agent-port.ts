// The agent's port, tried before the model loads: a real GGUF model takes seconds to minutes to
// load, and a start that then found its port taken had made the operator wait for nothing. The
// try is a listen-and-close (another process may still take the port in between: the listen's own
// failure then says the same).

import { createServer } from "node:net";
import { listenPortFailure } from "@pithead/http";

/** A listen failure as ListenPortError when it is about the address, anything else as it is. */
export function agentPortFailure(error: unknown, host: string, port: number): unknown {
  return listenPortFailure(error, host, port, { command: "pithead agent start" });
}

/** Throws ListenPortError now when `host:port` cannot be listened on (port 0 always can). */
export async function checkAgentPort(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", (error) => reject(agentPortFailure(error, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
