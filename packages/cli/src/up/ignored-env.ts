// `pithead up` configures its services itself and reads none of their environment variables. The
// ledger ones are the ones people set after reading the fleet's or the coordinator's README: each is
// said once on stderr with what to use instead, never silently ignored.

/** The variables up does not read, and what to use instead. */
const INSTEAD: Record<string, string> = {
  LEDGER_ARCHIVE_DIR: "use --ledger-archive-dir <dir>",
  PITHEAD_LEDGER_ARCHIVE_DIR: "use --ledger-archive-dir <dir>",
  LEDGER_ARCHIVE_AFTER_DAYS: "use --ledger-archive-after-days <n>",
  PITHEAD_LEDGER_ARCHIVE_AFTER_DAYS: "use --ledger-archive-after-days <n>",
  LEDGER_SEAL_MB: "up seals the fleet ledger at the default 64 MB; the fleet controller run alone reads it",
};

/** The one line to print when `env` sets any of them (undefined: none set). */
export function ignoredEnvNotice(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const set = Object.keys(INSTEAD).filter((name) => env[name] !== undefined && env[name] !== "");
  if (set.length === 0) return undefined;
  const each = set.map((name) => `${name} (${INSTEAD[name]})`).join(", ");
  return `note: pithead up does not read ${each}: it configures its services itself`;
}
