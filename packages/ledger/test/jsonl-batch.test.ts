// The JSONL writer encodes a group of records straight into bytes (jsonl-batch.ts); it must produce
// exactly what the shared chain code (chain.ts, used by the SQL stores) produces, byte for byte.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ChainHead, emptyHead, extendChain } from "../src/chain.ts";
import { prepareEntry } from "../src/entry.ts";
import type { Json } from "../src/index.ts";
import { encodeJsonlBatch } from "../src/jsonl-batch.ts";
import { Frontier } from "../src/merkle.ts";

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  // Mostly 3-byte UTF-8 text: more bytes than the buffer's first estimate, so it has to grow.
  fc.string({ unit: fc.constantFrom("€", "ü", "😀", "a", "\n"), minLength: 200, maxLength: 2000 }),
);
const at = new Date("2026-11-21T12:00:00.123Z");

describe("JSONL batch encoding", () => {
  it("writes the lines, tree nodes, records and head that the shared chain code computes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(body, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 6 }),
        (groups) => {
          let head: ChainHead = emptyHead(new Frontier());
          let reference: ChainHead = emptyHead(new Frontier());
          for (const group of groups) {
            const entries = group.flatMap((value) => {
              try {
                return [prepareEntry("test.value", value as Json, at)];
              } catch {
                return []; // -0 is refused at the source
              }
            });
            const batch = encodeJsonlBatch(head, entries);
            const ext = extendChain(reference, entries);
            expect(batch.data.toString("utf8")).toBe(entries.length === 0 ? "" : `${ext.lines.join("\n")}\n`);
            let end = 0;
            expect(Array.from(batch.ends)).toEqual(ext.lines.map((line) => (end += Buffer.byteLength(line) + 1)));
            expect(batch.postOrder).toEqual(Buffer.concat(ext.postOrder));
            expect(batch.records).toEqual(ext.records);
            expect(batch.head.size).toBe(ext.head.size);
            expect(batch.head.head).toBe(ext.head.head);
            expect(batch.head.frontier.nodes).toEqual(ext.head.frontier.nodes);
            expect(batch.head.frontier.root()).toEqual(ext.head.frontier.root());
            head = batch.head;
            reference = ext.head;
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
