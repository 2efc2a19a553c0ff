// Fetching a server's ledger export for `pithead ledger verify <url>`. The URL may be the service's
// base as `pithead up` prints it: the export route is found under it (the coordinator's is under
// /v1), and a fleet controller's request is signed when an operator and its secret are given.
// What answers must be an export: a web page or an empty body is refused, never "verified".
// Exit codes as in ledger.ts: 2 for a bad URL or header, 3 when the export cannot be had.
import { closeSync, createWriteStream, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorMessage, fail } from "../output.ts";
import { describeBytes, progressBar, spinner } from "../progress.ts";

const USAGE = 2;
const CANNOT = 3;

/** An export route answers application/x-ndjson; these are taken too (a file server, a proxy). */
const EXPORT_TYPES = /^(application\/(x-ndjson|jsonl|x-jsonlines|json|octet-stream)|text\/plain)\b/i;

export interface DownloadOptions {
  partition?: string | undefined;
  /** 'Name: value' lines. */
  headers: string[];
  /** A fleet operator to sign the request as (its secret beside it). */
  fleet?: { operatorId: string; secret: string } | undefined;
}

function parseHeaders(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) fail(`--header must look like 'Name: value', got '${line}'`, USAGE);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** The export routes a URL's path may mean, in the order to try them. */
function exportPaths(prefix: string, operatorId: string | undefined): string[] {
  if (prefix.endsWith("/export")) return [prefix];
  if (operatorId !== undefined && !prefix.includes("/operators/")) {
    return [`${prefix}/operators/${encodeURIComponent(operatorId)}/ledger/export`];
  }
  // A service's bare origin: the fleet's export is at /ledger/export, the coordinator's under /v1.
  if (prefix === "") return ["/ledger/export", "/v1/ledger/export"];
  return [`${prefix}/ledger/export`];
}

/** Export URLs to try in order: the one the URL names, or the routes a service base may hold. */
function exportCandidates(url: string, partition: string | undefined, operatorId?: string): URL[] {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    return fail(`${url} is not a valid URL`, USAGE);
  }
  refuseCredentials(base);
  return exportPaths(base.pathname.replace(/\/+$/, ""), operatorId).map((path) => {
    const target = new URL(base);
    target.pathname = path;
    if (partition) target.searchParams.set("partition", partition);
    return target;
  });
}

async function request(target: URL, options: DownloadOptions): Promise<Response> {
  const headers = parseHeaders(options.headers);
  if (options.fleet) {
    const { signFleetRequest } = await import("@pithead/fleet/sign");
    Object.assign(
      headers,
      await signFleetRequest({
        operatorId: options.fleet.operatorId,
        secret: options.fleet.secret,
        method: "GET",
        path: `${target.pathname}${target.search}`,
      }),
    );
  }
  try {
    return await fetch(target, { headers });
  } catch (error) {
    return fail(`cannot reach ${target.origin}: ${unreachable(error, target)}`, CANNOT);
  }
}

/** Why a request failed, in a sentence (not OpenSSL's error string). */
function unreachable(error: unknown, target: URL): string {
  const cause = ((error as { cause?: unknown }).cause ?? error) as { code?: unknown };
  const code = typeof cause.code === "string" ? cause.code : "";
  if (code.startsWith("ERR_SSL_") || /SSL routines/.test(errorMessage(cause))) {
    return target.protocol === "https:"
      ? `the TLS handshake failed (${code || "SSL error"}): does the server speak plain HTTP? Then use http://${target.host}`
      : `the TLS handshake failed (${code || "SSL error"})`;
  }
  return errorMessage(cause);
}

/** A URL's credentials would be sent, echoed and logged: refused, without repeating them. */
function refuseCredentials(url: URL): void {
  if (url.username === "" && url.password === "") return;
  const shown = new URL(url.href);
  shown.username = "";
  shown.password = "";
  fail(
    `credentials in a URL are not supported (${shown.href} with a user${url.password ? " and password" : ""}): pass them with --header, e.g. --header 'Authorization: Basic …'`,
    USAGE,
  );
}

async function refusal(target: URL, response: Response, signed: boolean): Promise<string> {
  const body = (await response.json().catch(() => ({}))) as { message?: string; error?: { message?: string } | string };
  const detail = typeof body.error === "object" ? body.error.message : (body.message ?? body.error);
  const refused = `${target.href} answered HTTP ${response.status}${detail ? `: ${detail}` : ""}`;
  // A fleet controller wants signed requests, which --header cannot make.
  const fleetWants = !signed && response.status === 401 && /x-pithead-signature/.test(String(detail));
  return fleetWants ? `${refused}\n  a fleet controller: add --operator <id> --secret-file <file>` : refused;
}

/** Downloads an export from a server to a temp file (the verifier reads it twice for citations). */
export async function downloadExport(
  url: string,
  options: DownloadOptions,
): Promise<{ file: string; cleanup(): void }> {
  const candidates = exportCandidates(url, options.partition, options.fleet?.operatorId);
  let response: Response | undefined;
  let target = candidates[0] as URL;
  for (const candidate of candidates) {
    target = candidate;
    response = await request(candidate, options);
    if (response.status !== 404 || candidate === candidates.at(-1)) break;
    await response.body?.cancel();
  }
  if (!response?.ok) return fail(await refusal(target, response as Response, options.fleet !== undefined), CANNOT);
  const type = response.headers.get("content-type");
  if (type && !EXPORT_TYPES.test(type)) {
    await response.body?.cancel();
    const page = /html/i.test(type) ? ", a web page: a login page, or not the service's URL?" : "";
    fail(`${target.href} is not a Pithead ledger export (it answered ${type.split(";")[0]}${page})`, CANNOT);
  }
  if (!response.body) return fail(`${target.href} is not a Pithead ledger export (the response is empty)`, CANNOT);
  const dir = mkdtempSync(join(tmpdir(), "pithead-verify-"));
  const file = join(dir, "export.jsonl");
  const out = createWriteStream(file);
  const total = Number(response.headers.get("content-length") ?? 0);
  const progress = total > 0 ? progressBar("downloading", total) : undefined;
  const waiting = total > 0 ? undefined : spinner(`downloading ${target.href}`);
  let done = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    done += chunk.length;
    progress?.tick(done, describeBytes(done));
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  progress?.finish();
  waiting?.succeed(`downloaded ${describeBytes(done)}`);
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const problem = done === 0 ? "the response is empty" : headerProblem(firstLine(file));
  if (problem) {
    cleanup();
    fail(`${target.href} is not a Pithead ledger export (${problem})`, CANNOT);
  }
  return { file, cleanup };
}

function firstLine(file: string): string {
  const buf = Buffer.alloc(64 * 1024);
  const fd = openSync(file, "r");
  try {
    const read = readSync(fd, buf, 0, buf.length, 0);
    const nl = buf.subarray(0, read).indexOf(0x0a);
    return buf.toString("utf8", 0, nl >= 0 ? nl : read);
  } finally {
    closeSync(fd);
  }
}

/** Pure: why a server's first line is not an export header (a route always sends one), or undefined. */
export function headerProblem(line: string): string | undefined {
  if (/^\s*</.test(line)) return "it looks like HTML";
  try {
    const header = JSON.parse(line) as { format?: unknown };
    if (header?.format === "pithead-ledger-export") return undefined;
  } catch {
    // not JSON
  }
  return "it does not start with an export header";
}
