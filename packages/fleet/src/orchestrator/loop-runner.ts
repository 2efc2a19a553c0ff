// Runs an operator's cycle every poll interval. The next cycle starts an interval after the
// previous one started, or as soon as it ends when it took longer (never two at once: a slow cycle
// never piles up behind itself; cycle-overrun.ts warns of it); a failed cycle goes to onError (the
// cycle log, cycle-log.ts) and the loop goes on.

export interface LoopRunnerOptions {
  intervalMs: number;
  run: () => Promise<unknown>;
  onError: (error: unknown) => void;
}

export class LoopRunner {
  private readonly options: LoopRunnerOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(options: LoopRunnerOptions) {
    this.options = options;
  }

  start(delayMs = 0): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(delayMs);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = performance.now();
      this.running = this.options
        .run()
        .catch((error: unknown) => this.options.onError(error))
        .finally(() => {
          this.running = undefined;
          this.schedule(Math.max(0, this.options.intervalMs - (performance.now() - started)));
        });
    }, delayMs);
    this.timer.unref?.();
  }

  /** Stops scheduling and waits for a cycle in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
