// A small AUTOMATIC1111-compatible server on a real socket, standing in for the GPU box's
// Stable Diffusion backend: /sdapi/v1/sd-models, /sdapi/v1/txt2img (a real PNG) and
// /sdapi/v1/interrupt, with a switch to make txt2img hang until interrupted.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tinyPng } from "./tiny-png.ts";

export interface A1111Server extends AsyncDisposable {
  url: string;
  requests: { path: string; body: unknown }[];
  interrupts: number;
  /** txt2img waits for /interrupt before answering. */
  hang: boolean;
  png: Buffer;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

export async function startA1111Server(): Promise<A1111Server> {
  let release: (() => void) | undefined;
  const state: Omit<A1111Server, "url" | typeof Symbol.asyncDispose> = {
    requests: [],
    interrupts: 0,
    hang: false,
    png: tinyPng(8, 8),
  };
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const path = request.url ?? "";
    state.requests.push({ path, body });
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(value));
    };
    if (path === "/sdapi/v1/sd-models") return json(200, [{ title: "sd15 [abc]", model_name: "sd15" }]);
    if (path === "/sdapi/v1/interrupt") {
      state.interrupts++;
      release?.();
      return json(200, {});
    }
    if (path === "/sdapi/v1/txt2img") {
      if (state.hang) await new Promise<void>((resolve) => (release = resolve));
      return json(200, { images: [state.png.toString("base64")], parameters: body, info: "{}" });
    }
    json(404, { detail: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    async [Symbol.asyncDispose]() {
      release?.();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}
