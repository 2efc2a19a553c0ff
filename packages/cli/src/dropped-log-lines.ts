// A log line that cannot be written (a full disk, stdout's reader gone) is dropped and counted,
// never thrown: a service must not go down, or hang, because its log cannot be kept. Once a write
// succeeds again, one line says how many were lost and why, before the line that got through.

/** Why lines were dropped, as the notice says it: from the write's errno code. */
export function dropReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") return "disk full";
  if (code === "EPIPE") return "nothing reads the log any more (closed pipe)";
  if (code === "EFBIG") return "file too large";
  if (code === "EAGAIN") return "the log's reader is not keeping up";
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** The notice, as a pino line (level 40, warn) so a log shipper reading JSON lines parses it. */
export function droppedNoticeJson(count: number, reason: string, now: number): string {
  return `${JSON.stringify({ level: 40, time: now, droppedLogLines: count, msg: `${count} log lines dropped: ${reason}` })}\n`;
}

/** The notice as the miner's text log says a line (its daemon's `<ISO time> <LEVEL> <message>`). */
export function droppedNoticeText(count: number, reason: string, now: number): string {
  return `${new Date(now).toISOString()} WARN  ${count} log lines dropped: ${reason}\n`;
}

export class DroppedLogLines {
  #count = 0;
  #reason = "";

  /** Lines dropped since the last notice was written. */
  get count(): number {
    return this.#count;
  }

  drop(error: unknown): void {
    this.#count++;
    this.#reason = dropReason(error);
  }

  /** The notice to write before the next line, if any was dropped (`written()` once it is). */
  notice(format: (count: number, reason: string) => string): string | undefined {
    return this.#count > 0 ? format(this.#count, this.#reason) : undefined;
  }

  written(): void {
    this.#count = 0;
    this.#reason = "";
  }
}
