// What the service's own verify says beside the check made in this browser. Both read the same
// records, so they must agree; when they do not, the panel says so plainly (before, it said
// "agrees" whenever the service's verify passed, even under a failed check in the browser).

import { plural } from "../../lib/format.ts";
import type { VerifyOutcome } from "../../verify/export-verifier.ts";

export interface ServerVerifyReport {
  ok: boolean;
  records: number;
  checkpoints: number;
  firstBad?: { seq: number; reason: string };
}

export interface ServerVerdict {
  agree: boolean;
  text: string;
}

export function serverVerdict(browser: Pick<VerifyOutcome, "ok">, server: ServerVerifyReport): ServerVerdict {
  const problem = `record ${server.firstBad?.seq}: ${server.firstBad?.reason}`;
  if (browser.ok && server.ok)
    return {
      agree: true,
      text: `The service's own verify agrees: ${plural(server.records, "record")}, ${plural(server.checkpoints, "checkpoint")}.`,
    };
  if (!browser.ok && !server.ok)
    return { agree: true, text: `The service's own verify also finds a problem, at ${problem}` };
  if (browser.ok)
    return {
      agree: false,
      text: `The service's own verify disagrees with this browser: it reports a problem at ${problem}`,
    };
  return {
    agree: false,
    text:
      `The service's own verify disagrees with this browser: it finds its ${plural(server.records, "record")} intact, ` +
      "but the export it sent failed the check made here. One of the two is wrong: check the export with pithead ledger verify on a machine you trust.",
  };
}
