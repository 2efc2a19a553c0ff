// The long-lived requests each key holds in this process: server-sent event streams and long-polls.
//  - A key holds at most `max` at once (0: no cap): one key must not pin a thousand sockets and
//    event subscribers (or engine waiters) on the server. The next is 429 TOO_MANY_STREAMS.
//  - A revoked key holds none. Revoked in this process, its requests are ended at once (end());
//    revoked by another process on the same database, within the key cache's TTL: while requests
//    are held, their keys are read again on that period (recheck()), not only at the next request.
import { errors } from "../errors.ts";

/** A held request: its signal aborts when the key is revoked; release it when the request ends. */
export interface Hold {
  readonly signal: AbortSignal;
  release(): void;
}

export interface OpenStreamsOptions {
  /** Most requests one key may hold at once; 0: no cap. */
  max: number;
  /** Of these key ids, those still active (there and not revoked). */
  activeKeys(ids: readonly string[]): Promise<Set<string>>;
  /** How often the keys holding requests are read again (the key cache's TTL). */
  recheckMs: number;
  onError(error: unknown): void;
}

/** Seconds a refused caller is told to wait: a held stream may last for hours, a long-poll a minute. */
const RETRY_AFTER_S = 5;

export class OpenStreams {
  readonly #options: OpenStreamsOptions;
  readonly #byKey = new Map<string, Set<AbortController>>();
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;

  constructor(options: OpenStreamsOptions) {
    this.#options = options;
  }

  /** Requests held now, all keys together. */
  get size(): number {
    let size = 0;
    for (const held of this.#byKey.values()) size += held.size;
    return size;
  }

  /** Counts a request against `keyId`'s cap (429 when it is full) until released. */
  hold(keyId: string): Hold {
    const { max } = this.#options;
    let held = this.#byKey.get(keyId);
    if (max > 0 && held && held.size >= max) {
      throw errors.error(
        "TOO_MANY_STREAMS",
        { limit: max, retry_after_s: RETRY_AFTER_S },
        `This key already holds ${max} event streams and long-polls on this coordinator, the most it allows at once (--max-streams-per-key): close one before opening another`,
        { "retry-after": String(RETRY_AFTER_S) },
      );
    }
    if (!held) {
      held = new Set();
      this.#byKey.set(keyId, held);
    }
    const controller = new AbortController();
    held.add(controller);
    this.#startTimer();
    const set = held;
    return {
      signal: controller.signal,
      release: () => {
        if (!set.delete(controller)) return;
        if (set.size === 0 && this.#byKey.get(keyId) === set) this.#byKey.delete(keyId);
        if (this.#byKey.size === 0) this.#stopTimer();
      },
    };
  }

  /** Ends every request `keyId` holds (the key was revoked). */
  end(keyId: string): void {
    const held = this.#byKey.get(keyId);
    if (!held) return;
    this.#byKey.delete(keyId);
    if (this.#byKey.size === 0) this.#stopTimer();
    for (const controller of held) controller.abort();
  }

  /** Reads the keys holding requests again and ends the requests of those revoked meanwhile. */
  recheck(): Promise<void> {
    this.#checking ??= this.#recheck().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #recheck(): Promise<void> {
    const ids = [...this.#byKey.keys()];
    if (ids.length === 0) return;
    let active: Set<string>;
    try {
      active = await this.#options.activeKeys(ids);
    } catch (error) {
      // The database is away: nothing is known to be revoked; try again next period.
      this.#options.onError(error);
      return;
    }
    for (const id of ids) if (!active.has(id)) this.end(id);
  }

  #startTimer(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.recheck(), this.#options.recheckMs);
    this.#timer.unref();
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  close(): void {
    this.#stopTimer();
  }
}
