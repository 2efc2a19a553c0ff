// Many simulated miners in one process, each behind its own real TCP listener. Two layouts:
//   "ports": every miner on 127.0.0.1 with its own port (kernel-chosen unless basePort is
//            given) — works anywhere, the default for tests;
//   "hosts": every miner on port 4028 of its own loopback address (127.1.0.1, 127.1.0.2, ...),
//            like a LAN where each machine has an IP — Linux routes all of 127/8 to lo.
// A miner with the "unreachable" fault closes its listener (connections are refused) and opens
// it again on the same address when the fault clears.

import { createServer, type Server, type Socket } from "node:net";
import { BatchQueue } from "../batch-queue.ts";
import { type Clock, systemClock } from "../clock.ts";
import { type ModelSpec, modelById, models } from "../models.ts";
import type { Fault, FaultKind } from "./faults.ts";
import { seedFrom } from "./random.ts";
import { SimulatedMiner } from "./simulated-miner.ts";

export type Addressing =
  | { mode: "ports"; host?: string; basePort?: number }
  | { mode: "hosts"; base?: string; port?: number };

export interface SimulatorOptions {
  miners: number;
  /** Model ids to cycle through (default a mixed fleet). */
  models?: string[];
  addressing?: Addressing;
  clock?: Clock;
  seed?: number;
  ambientC?: number;
  idPrefix?: string;
  restartDowntimeMs?: number;
  allowWrite?: boolean;
}

export interface SimulatedEndpoint {
  id: string;
  host: string;
  port: number;
  model: string;
}

const defaultMix = ["s19", "s19-xp", "s21", "s9", "m30s", "avalon-1246", "s17-pro", "cgminer-asc"];
const maxRequestBytes = 16 * 1024;

/** 127.1.0.1 + n, skipping .0 and .255 in the last octet. */
export function loopbackAddress(base: string, index: number): string {
  const parts = base.split(".").map(Number);
  if (
    parts.length !== 4 ||
    parts[0] !== 127 ||
    parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)
  ) {
    throw new Error(`hosts addressing needs a 127.x.y.z base address, got '${base}'`);
  }
  let value = ((parts[1] as number) << 16) | ((parts[2] as number) << 8) | (parts[3] as number);
  for (let i = 0; i < index; i++) {
    value++;
    while ((value & 0xff) === 0 || (value & 0xff) === 255) value++;
  }
  if (value > 0xffffff) throw new Error("ran out of 127.0.0.0/8 addresses");
  return `127.${(value >> 16) & 0xff}.${(value >> 8) & 0xff}.${value & 0xff}`;
}

interface Slot {
  miner: SimulatedMiner;
  host: string;
  port: number;
  server: Server | undefined;
  sockets: Set<Socket>;
}

export class FleetSimulator {
  private readonly slots: Slot[] = [];
  private readonly byId = new Map<string, Slot>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly answers = new BatchQueue();
  private closed = false;
  /** What every miner was made with, for a miner swapped in later. */
  private made: Pick<SimulatorOptions, "seed" | "ambientC" | "restartDowntimeMs" | "allowWrite"> = {};
  private swaps = 0;

  readonly clock: Clock;

  private constructor(clock: Clock) {
    this.clock = clock;
  }

  static async start(options: SimulatorOptions): Promise<FleetSimulator> {
    if (!Number.isInteger(options.miners) || options.miners < 1)
      throw new Error(`miners must be a positive integer, got ${options.miners}`);
    const clock = options.clock ?? systemClock;
    const simulator = new FleetSimulator(clock);
    simulator.made = {
      seed: options.seed,
      ambientC: options.ambientC,
      restartDowntimeMs: options.restartDowntimeMs,
      allowWrite: options.allowWrite,
    };
    const mix: ModelSpec[] = (options.models ?? defaultMix).map((id) => {
      const model = modelById(id);
      if (!model) throw new Error(`unknown model '${id}' (known: ${models.map((m) => m.id).join(", ")})`);
      return model;
    });
    const addressing: Addressing = options.addressing ?? { mode: "ports" };
    const prefix = options.idPrefix ?? "sim";
    const width = String(options.miners).length;
    try {
      const batch = 256; // bind in batches: thousands of concurrent listen() calls gain nothing
      for (let start = 0; start < options.miners; start += batch) {
        const pending: Promise<void>[] = [];
        for (let index = start; index < Math.min(options.miners, start + batch); index++) {
          const model = mix[index % mix.length] as ModelSpec;
          const id = `${prefix}-${String(index + 1).padStart(Math.max(3, width), "0")}`;
          const miner = new SimulatedMiner({
            id,
            model,
            seed: seedFrom(`${options.seed ?? 1}:${id}`),
            clock,
            ambientC: options.ambientC,
            restartDowntimeMs: options.restartDowntimeMs,
            allowWrite: options.allowWrite,
          });
          const host =
            addressing.mode === "hosts"
              ? loopbackAddress(addressing.base ?? "127.1.0.1", index)
              : (addressing.host ?? "127.0.0.1");
          const port =
            addressing.mode === "hosts"
              ? (addressing.port ?? 4028)
              : addressing.basePort
                ? addressing.basePort + index
                : 0;
          const slot: Slot = { miner, host, port, server: undefined, sockets: new Set() };
          simulator.slots.push(slot);
          simulator.byId.set(id, slot);
          pending.push(simulator.listen(slot));
        }
        await Promise.all(pending);
      }
    } catch (error) {
      await simulator.close();
      throw error;
    }
    return simulator;
  }

  get size(): number {
    return this.slots.length;
  }

  endpoints(): SimulatedEndpoint[] {
    return this.slots.map((slot) => ({
      id: slot.miner.id,
      host: slot.host,
      port: slot.port,
      model: slot.miner.model.id,
    }));
  }

  miner(id: string): SimulatedMiner {
    const slot = this.byId.get(id);
    if (!slot) throw new Error(`no simulated miner '${id}'`);
    return slot.miner;
  }

  async setFault(id: string, fault: Fault): Promise<void> {
    const slot = this.slotOf(id);
    slot.miner.setFault(fault);
    if (fault.kind === "unreachable") await this.unlisten(slot);
  }

  /**
   * Puts another machine of `modelId` at this miner's address, as a technician swapping hardware
   * does: same id, host and port, its own firmware, counters and uptime (up for days already, like a
   * machine moved from another rack, or `upForMs`). Faults of the old machine go with it.
   */
  async swapModel(id: string, modelId: string, options: { upForMs?: number } = {}): Promise<SimulatedMiner> {
    const slot = this.slotOf(id);
    const model = modelById(modelId);
    if (!model) throw new Error(`unknown model '${modelId}' (known: ${models.map((m) => m.id).join(", ")})`);
    this.swaps++;
    slot.miner = new SimulatedMiner({
      id,
      model,
      seed: seedFrom(`${this.made.seed ?? 1}:${id}:swap-${this.swaps}`),
      clock: this.clock,
      ambientC: this.made.ambientC,
      restartDowntimeMs: this.made.restartDowntimeMs,
      allowWrite: this.made.allowWrite,
      upForMs: options.upForMs,
    });
    // The old machine was unplugged (the unreachable fault): the new one answers.
    if (!slot.server && !this.closed) await this.listen(slot);
    return slot.miner;
  }

  async clearFault(id: string, kind: FaultKind): Promise<void> {
    const slot = this.slotOf(id);
    slot.miner.clearFault(kind);
    if (kind === "unreachable" && !slot.server) await this.listen(slot);
  }

  private slotOf(id: string): Slot {
    const slot = this.byId.get(id);
    if (!slot) throw new Error(`no simulated miner '${id}'`);
    return slot;
  }

  private listen(slot: Slot): Promise<void> {
    const server = createServer((socket) => this.serve(slot, socket));
    server.maxConnections = 64;
    slot.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) => {
        reject(
          new Error(`cannot listen on ${slot.host}:${slot.port} for ${slot.miner.id}: ${error.code ?? error.message}`),
        );
      });
      server.listen({ host: slot.host, port: slot.port, backlog: 128 }, () => {
        const address = server.address();
        if (address && typeof address === "object") slot.port = address.port;
        resolve();
      });
    });
  }

  private async unlisten(slot: Slot): Promise<void> {
    const server = slot.server;
    slot.server = undefined;
    for (const socket of slot.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private serve(slot: Slot, socket: Socket): void {
    slot.sockets.add(socket);
    socket.setNoDelay(true);
    let buffered = "";
    let answered = false;
    socket.on("close", () => slot.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      if (answered) return;
      buffered += chunk.toString("utf8");
      if (buffered.length > maxRequestBytes) {
        answered = true;
        socket.destroy();
        return;
      }
      if (!requestComplete(buffered)) return;
      answered = true;
      const request = buffered;
      // Answered with the other requests of this turn: rendering replies back to back keeps the
      // simulator's code hot, which matters when it serves thousands of miners (see batch-queue.ts).
      this.answers.run(() => this.respond(slot, socket, request)).catch(() => socket.destroy());
    });
  }

  private respond(slot: Slot, socket: Socket, request: string): void {
    const response = slot.miner.handle(request);
    if (response.kind === "drop") {
      socket.destroy();
      return;
    }
    if (response.kind === "hang") return; // the client's deadline ends it
    const send = () => {
      if (socket.destroyed) return;
      if (response.truncate) {
        // Cut the reply short and close without the NUL terminator, as a crashing firmware does.
        socket.end(response.text.slice(0, Math.floor(response.text.length * 0.6)));
      } else socket.end(`${response.text}\0`);
    };
    if (response.delayMs > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        send();
      }, response.delayMs);
      this.timers.add(timer);
    } else send();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.slots.map((slot) => this.unlisten(slot)));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Answers by request text: a controller sends the same few requests over and over. */
const completeness = new Map<string, boolean>();

/** A request is complete once it parses as JSON, or ends in a newline/NUL (plain-text form). */
function requestComplete(text: string): boolean {
  let complete = completeness.get(text);
  if (complete === undefined) {
    complete = checkComplete(text);
    if (completeness.size < 10_000) completeness.set(text, complete);
  }
  return complete;
}

function checkComplete(text: string): boolean {
  const trimmed = text.replace(/\0/g, "").trim();
  if (trimmed.startsWith("{")) {
    if (!trimmed.endsWith("}")) return false;
    try {
      JSON.parse(trimmed);
      return true;
    } catch {
      return text.includes("\n") || text.includes("\0");
    }
  }
  return text.includes("\n") || text.includes("\0") || /^[a-z+|0-9,]+$/i.test(trimmed);
}
