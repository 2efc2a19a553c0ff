// A lean keep-alive JSON client for load generation (fetch costs more CPU per request, and the
// load generator shares the machine with the server it measures).
import http from "node:http";

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

export interface JsonReply<T> {
  status: number;
  body: T;
}

export function requestJson<T>(
  base: URL,
  method: string,
  path: string,
  options: { key?: string; body?: unknown } = {},
): Promise<JsonReply<T>> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers: {
          ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
          ...(payload !== undefined
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
            : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: response.statusCode ?? 0, body: (text ? JSON.parse(text) : null) as T });
        });
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    if (payload !== undefined) request.write(payload);
    request.end();
  });
}

export function closeAgent(): void {
  agent.destroy();
}
