// What the HTTP thread's PostgreSQL read pool reports (a connection it held was lost). During a
// database outage every pooled connection goes at once, and the engine already logs the outage
// (once when it begins, a reminder a minute, once when it ends: database-outage.ts): those are
// left to its lines. Outside an outage one line at warn with what pg said, then at most one a
// minute, counting the ones left out. A lost connection is replaced by the pool on its own, so
// nothing here is an error. Only the message (a URL's password masked) and the code are logged,
// never the error object, which may carry the connection's parameters.
import { LogThrottle } from "@pithead/http";

export interface PoolErrorLogOptions {
  log: { warn(obj: object, msg: string): void };
  /** Whether the engine has an outage under way (and logs it). */
  inOutage: () => boolean;
  now?: () => number;
  everyMs?: number;
}

/** `scheme://user:password@host` → `scheme://user:***@host`: pg may name the URL it could not reach. */
export function withoutSecrets(message: string): string {
  return message.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@\s/]*@/gi, "$1***@");
}

export class PoolErrorLog {
  readonly #log: PoolErrorLogOptions["log"];
  readonly #inOutage: () => boolean;
  readonly #throttle: LogThrottle;

  constructor(options: PoolErrorLogOptions) {
    this.#log = options.log;
    this.#inOutage = options.inOutage;
    this.#throttle = new LogThrottle({ everyMs: options.everyMs ?? 60_000, now: options.now });
  }

  report(error: unknown): void {
    if (this.#inOutage()) return;
    const suppressed = this.#throttle.take();
    if (suppressed === undefined) return;
    const { message, code } = error as { message?: unknown; code?: unknown };
    this.#log.warn(
      {
        reason: withoutSecrets(typeof message === "string" ? message : String(error)),
        ...(typeof code === "string" ? { code } : {}),
        ...(suppressed > 0 ? { suppressed } : {}),
      },
      "database read connection lost; the pool opens another",
    );
  }
}
