// Runs `pithead ledger …` as a user would, through the ledger commands alone (the full CLI takes
// seconds to load every part of Pithead): exit code and both outputs, never a throw.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ledgerOnly = fileURLToPath(new URL("./fixtures/pithead-ledger.ts", import.meta.url));
const run = promisify(execFile);

export async function pithead(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [ledgerOnly, "ledger", ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
