// startAgent: open the store and the model, build the server, listen, and prune expired history
// on a timer. Used by `pithead agent start`, `pithead up`, the tests and the benchmark.

import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { HttpServer, HttpServerOptions } from "@pithead/http";
import { agentPortFailure, checkAgentPort } from "./agent-port.ts";
import { buildAgentServer } from "./api/server.ts";
import type { AgentConfig } from "./config/load-config.ts";
import { placeholderKeyWarning } from "./config/upstream-key.ts";
import type { ChatModel } from "./llm/chat-model.ts";
import { openModel } from "./llm/open-model.ts";
import { searxngBackend } from "./search/searxng.ts";
import { openStore } from "./store/open-store.ts";
import type { AgentStore } from "./store/store.ts";

export const AGENT_VERSION = "0.1.0";

const PRUNE_EVERY_MS = 60 * 60 * 1000;

export interface StartAgentOptions {
  /** A model to use instead of opening the configured one (it is then not closed by close()). */
  model?: ChatModel;
  /** A store to use instead of opening DATABASE_URL (it is then not closed by close()). */
  store?: AgentStore;
  logger?: HttpServerOptions["logger"];
  /** The clock (tests move it to check retention). */
  now?: () => Date;
}

export interface RunningAgent {
  /** Where it listens, e.g. http://127.0.0.1:8001. */
  url: string;
  app: HttpServer;
  config: AgentConfig;
  store: AgentStore;
  model: ChatModel;
  /**
   * One retention pass (also run hourly): expired messages, then what no longer serves
   * (AgentStore.pruneUnused). Returns the messages removed.
   */
  prune(): Promise<number>;
  /**
   * Stops gracefully: no new connections; requests in flight may run for SHUTDOWN_TIMEOUT (by
   * default REQUEST_TIMEOUT, which bounds them anyway), then those left answer 503 with
   * Retry-After; then the model and the store close. Idempotent.
   */
  close(): Promise<void>;
  /** Stops waiting: requests in flight answer 503 now (a second Ctrl-C). Closes too. */
  cutOff(): Promise<void>;
  /** Requests being answered right now. */
  inFlight(): number;
}

/** Whether only this machine can connect: a loopback address (anything else, 0.0.0.0 first, is reachable). */
function loopbackOnly(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function displayHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

export async function startAgent(config: AgentConfig, options: StartAgentOptions = {}): Promise<RunningAgent> {
  const now = options.now ?? (() => new Date());
  // Before the store and the model are opened: a port taken is said at once, not after the load.
  await checkAgentPort(config.host, config.port);
  // Said once the server (and its logger) exists.
  const fileWarnings: string[] = [];
  const store =
    options.store ??
    (await openStore(
      config.database,
      {
        maxMessages: config.maxConversationMessages,
        retentionDays: config.retentionDays,
        maxPlaybookEntries: config.maxPlaybookEntries,
      },
      { ownFolder: config.dataDir, warn: (line) => fileWarnings.push(line) },
    ));
  const closers: (() => Promise<void>)[] = [];
  if (!options.store) closers.push(() => store.close());
  try {
    let model = options.model;
    // The tiny model is written under DATA_DIR: the folder is the agent's, private like the database's.
    if (!model && config.llm.provider === "local" && !config.llm.modelPath) {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    }
    if (!model) {
      const provider = await openModel(config);
      closers.unshift(() => provider.close());
      model = provider;
    }
    const search = config.search
      ? searxngBackend({ baseUrl: config.search.url, maxResults: config.search.maxResults })
      : undefined;
    const cutoff = new AbortController();
    const app = await buildAgentServer(
      { config, store, model, search, now, version: AGENT_VERSION, cutoff: cutoff.signal },
      options.logger,
    );
    let inFlight = 0;
    app.addHook("onRequest", async (_request, reply) => {
      inFlight++;
      // "close" comes for every response, answered or abandoned by its client.
      reply.raw.once("close", () => inFlight--);
    });
    closers.unshift(() => app.close());
    for (const line of fileWarnings) app.log.warn(line);
    const keyWarning = placeholderKeyWarning(config.llm);
    if (keyWarning) app.log.warn(keyWarning);
    await app.listen({ host: config.host, port: config.port }).catch((error: unknown) => {
      throw agentPortFailure(error, config.host, config.port);
    });
    const { port } = app.server.address() as AddressInfo;
    if (!loopbackOnly(config.host)) {
      // The reference's HOST=0.0.0.0 (the orchestrator has to reach the miner), said plainly.
      app.log.info(
        { host: config.host, port },
        `the API is reachable from other machines (HOST=${config.host}); set HOST=127.0.0.1 to keep it on this one`,
      );
    }

    const prune = async () => {
      const at = now();
      const removed = await store.pruneExpired(at);
      if (removed > 0) app.log.info({ removed }, "pruned expired conversation messages");
      const unused = await store.pruneUnused(at);
      if (unused.conversations + unused.playbookEntries + unused.operations > 0) {
        app.log.info(unused, "pruned conversations with no message left, and old playbook entries and log rows");
      }
      return removed;
    };
    await prune();
    const timer = setInterval(() => {
      prune().catch((error: unknown) => app.log.error({ err: error }, "pruning conversation history failed"));
    }, PRUNE_EVERY_MS);
    timer.unref();

    let closed: Promise<void> | undefined;
    const close = () => {
      closed ??= (async () => {
        clearInterval(timer);
        // app.close() waits for the requests in flight; past the bound they are cut off (503).
        const bound = setTimeout(() => cutoff.abort(), config.shutdownTimeoutMs);
        try {
          for (const closeOne of closers) await closeOne();
        } finally {
          clearTimeout(bound);
        }
      })();
      return closed;
    };
    return {
      url: `http://${displayHost(config.host)}:${port}`,
      app,
      config,
      store,
      model,
      prune,
      close,
      cutOff() {
        cutoff.abort();
        return close();
      },
      inFlight: () => inFlight,
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => {});
    throw error;
  }
}
