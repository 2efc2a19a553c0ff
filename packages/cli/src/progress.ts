// Spinners and progress bars for work that takes more than a second. They draw on stderr and
// only when it is a terminal, so `--json` output on stdout stays clean and logs stay readable.

const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface Spinner {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
}

export interface ProgressBar {
  tick(done: number, detail?: string): void;
  finish(text?: string): void;
}

const interactive = () => process.stderr.isTTY === true && !process.env.CI;

export function spinner(text: string): Spinner {
  let current = text;
  let frame = 0;
  const draw = () => process.stderr.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${current}`);
  const timer = interactive() ? setInterval(draw, 80) : undefined;
  if (!timer) process.stderr.write(`… ${text}\n`);
  const end = (mark: string, final?: string) => {
    if (timer) {
      clearInterval(timer);
      process.stderr.write("\r\x1b[2K");
    }
    process.stderr.write(`${mark} ${final ?? current}\n`);
  };
  return {
    update(next) {
      current = next;
    },
    succeed: (final) => end("✔", final),
    fail: (final) => end("✖", final),
  };
}

export function progressBar(label: string, total: number): ProgressBar {
  const width = 30;
  let lastDraw = 0;
  const show = interactive();
  return {
    tick(done, detail = "") {
      const now = Date.now();
      if (!show || (now - lastDraw < 50 && done < total)) return;
      lastDraw = now;
      const ratio = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(ratio * width);
      const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
      process.stderr.write(`\r\x1b[2K${label} ${bar} ${(ratio * 100).toFixed(0).padStart(3)}% ${detail}`);
    },
    finish(text) {
      if (show) process.stderr.write("\r\x1b[2K");
      if (text) process.stderr.write(`${text}\n`);
    },
  };
}

/** A byte count for people: 512 B, 13.3 KiB, 1.2 GiB. */
export function describeBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}
