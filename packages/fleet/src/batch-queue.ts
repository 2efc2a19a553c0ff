// Runs the CPU-bound part of many concurrent operations together, once per turn of the event
// loop, rather than each right after its own socket read. With hundreds of polls in flight the
// reply reading (parse, normalise, hash) then runs as one tight loop between rounds of socket
// handling instead of interleaved with it, and its code and data stay in the CPU's caches:
// measured at about a third of the CPU per reply of reading each one as it arrives.

/** Captured at load: tests that install fake timers must not stall the queue. */
const nextTurn: (callback: () => void) => void = globalThis.setImmediate;

export class BatchQueue {
  private queue: (() => void)[] = [];

  /** Runs `work` with the rest of this turn's work, on the next turn of the event loop. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queue.length === 0) nextTurn(() => this.drain());
      this.queue.push(() => {
        try {
          resolve(work());
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  private drain(): void {
    const tasks = this.queue;
    this.queue = [];
    for (const task of tasks) task();
  }
}
