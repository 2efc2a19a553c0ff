import { describe, expect, it } from "vitest";
import { ignoredEnvNotice } from "./ignored-env.ts";

describe("pithead up and the services' ledger variables", () => {
  it("says once which ones it does not read and the flag to use instead", () => {
    expect(ignoredEnvNotice({ PATH: "/usr/bin", LEDGER_DIR: "/x" })).toBeUndefined();
    expect(ignoredEnvNotice({ LEDGER_ARCHIVE_DIR: "" })).toBeUndefined();
    expect(
      ignoredEnvNotice({
        LEDGER_ARCHIVE_DIR: "/mnt/nas",
        PITHEAD_LEDGER_ARCHIVE_AFTER_DAYS: "7",
        LEDGER_SEAL_MB: "16",
      }),
    ).toBe(
      "note: pithead up does not read LEDGER_ARCHIVE_DIR (use --ledger-archive-dir <dir>), " +
        "PITHEAD_LEDGER_ARCHIVE_AFTER_DAYS (use --ledger-archive-after-days <n>), " +
        "LEDGER_SEAL_MB (up seals the fleet ledger at the default 64 MB; the fleet controller run alone reads it): it configures its services itself",
    );
  });
});
