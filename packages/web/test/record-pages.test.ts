// The Ledger page's "Older records" on a partition whose oldest records were archived. Before, the
// page that reached the archive boundary answered 410 RECORD_ARCHIVED on every click, the button
// stayed, and under a type filter the records listed before (of every type) stayed listed.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Ledger, ledgerRoutes, loadOrCreateSigner, openLedger } from "@pithead/ledger";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, callJson } from "../app/api/http.ts";
import { type LedgerSource, type RecordPage, recordsQuery } from "../app/api/ledger-sources.ts";
import { type ListedPage, loadRecordPage } from "../app/pages/ledger/record-pages.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-web-pages-"));
const partition = "fleet/op1";
const TOTAL = 1500;
let ledger: Ledger;
let app: FastifyInstance;
let source: LedgerSource;
let boundary: number;

beforeAll(async () => {
  ledger = await openLedger({
    store: "jsonl",
    dir: join(dir, "ledger"),
    signer: loadOrCreateSigner(join(dir, "ledger.key"), "pithead-test"),
    sealBytes: 16 * 1024,
  });
  for (let i = 0; i < TOTAL; i++) {
    await ledger.append(partition, i % 10 === 0 ? "fleet.cycle" : "fleet.telemetry", { minerId: `m${i % 7}`, i });
    if (i % 100 === 99) await ledger.checkpoint(partition);
  }
  boundary = (await ledger.archive?.(partition, { to: join(dir, "archive"), belowSeq: 800 }))?.archivedTo ?? 0;
  // The routes the fleet controller mounts for an operator's partition, over HTTP.
  app = Fastify();
  await app.register(ledgerRoutes, { ledger });
  const base = await app.listen({ port: 0, host: "127.0.0.1" });
  source = {
    id: "fleet:op1",
    label: "op1",
    records: (query, signal) =>
      callJson<RecordPage>("fleet", `${base}/ledger/records?partition=${partition}&${recordsQuery(query)}`, { signal }),
    record: () => Promise.reject(new Error("not used")),
    checkpoint: () => Promise.resolve(null),
    exportStream: () => Promise.reject(new Error("not used")),
  };
});

afterAll(async () => {
  await app?.close();
  await ledger?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Clicks "Older records" until the button goes away (or 100 times): every page shown. */
async function pageThrough(type?: string): Promise<ListedPage[]> {
  const pages: ListedPage[] = [];
  let from: number | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await loadRecordPage(source, { type, from, limit: 50 });
    pages.push(page);
    if (page.next === null) break;
    from = page.next;
  }
  return pages;
}

describe("paging back to the archive boundary", () => {
  it("lists every record above the boundary once, then stops and says which records are archived", async () => {
    expect(boundary).toBeGreaterThan(512);
    const pages = await pageThrough();
    const seqs = pages.flatMap((page) => page.records.map((record) => record.seq));
    expect(seqs).toEqual(Array.from({ length: TOTAL - boundary }, (_, i) => TOTAL - 1 - i));
    expect(pages.at(-1)?.next).toBeNull();
    expect(pages.at(-1)?.archived).toEqual({ below: boundary });
    expect(pages.slice(0, -1).every((page) => page.archived === undefined)).toBe(true);
  });

  it("under a type filter lists only that type, down to the boundary", async () => {
    const pages = await pageThrough("fleet.cycle");
    const seqs = pages.flatMap((page) => page.records.map((record) => record.seq));
    const expected: number[] = [];
    for (let seq = TOTAL - 1; seq >= boundary; seq--) if (seq % 10 === 0) expected.push(seq);
    expect(seqs).toEqual(expected);
    expect(pages.flatMap((page) => page.records.map((record) => record.type))).not.toContain("fleet.telemetry");
    expect(pages.at(-1)).toMatchObject({ next: null, archived: { below: boundary } });
    // Each answer names its query, so the page never lists one under another's filter.
    expect(pages.every((page) => page.query.type === "fleet.cycle")).toBe(true);
  });

  it("stops at a 410 RECORD_ARCHIVED from a service that answers one, naming the boundary from its message", async () => {
    const gone = await ledger.get(partition, 5).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(gone?.message).toContain("are archived");
    const older: LedgerSource = {
      ...source,
      records: () => Promise.reject(new ApiError("fleet", 410, "RECORD_ARCHIVED", gone?.message ?? "")),
    };
    const page = await loadRecordPage(older, { type: "fleet.cycle", from: 900, limit: 50 });
    expect(page).toEqual({
      records: [],
      next: null,
      query: { type: "fleet.cycle", from: 900, limit: 50 },
      archived: { below: boundary },
    });
    const broken: LedgerSource = {
      ...source,
      records: () => Promise.reject(new ApiError("fleet", 500, "INTERNAL", "boom")),
    };
    await expect(loadRecordPage(broken, { limit: 50 })).rejects.toThrow("boom");
  });
});
