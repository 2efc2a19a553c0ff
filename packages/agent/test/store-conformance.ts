// One conformance suite for the store contract (src/store/store.ts), run against SQLite and
// PostgreSQL. Time is passed in, so retention is checked by moving `now`, not by waiting.

import { afterEach, describe, expect, it } from "vitest";
import type { Insight } from "../src/playbook/types.ts";
import type { AgentStore, StoreLimits } from "../src/store/store.ts";

export type OpenStore = (limits: StoreLimits) => Promise<AgentStore>;

const DAY = 86_400_000;
const T0 = new Date("2025-03-01T12:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

const LIMITS: StoreLimits = { maxMessages: 4, retentionDays: 7, maxPlaybookEntries: 3 };

const exchange = (n: number) => [
  { role: "user" as const, content: `question ${n}` },
  { role: "assistant" as const, content: `answer ${n}` },
];

const insight = (key: string, operation: Insight["operation"] = "insert", value = `value of ${key}`): Insight => ({
  insight_type: "fact",
  key,
  value,
  operation,
});

export function describeStoreConformance(name: string, open: OpenStore): void {
  describe(`${name} store conformance`, () => {
    let store: AgentStore | undefined;
    const openStore = async (limits: StoreLimits = LIMITS) => {
      store = await open(limits);
      return store;
    };
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    describe("conversations", () => {
      it("records exchanges in order with their time, and reading never creates a conversation", async () => {
        const s = await openStore();
        expect(await s.conversation("c1", T0)).toBeUndefined();
        expect(await s.countConversations()).toBe(0);
        await s.recordExchange("c1", exchange(1), at(0));
        await s.recordExchange("c1", exchange(2), at(1000));
        const detail = await s.conversation("c1", at(2000));
        expect(detail).toEqual({
          cid: "c1",
          message_count: 4,
          messages: [
            { role: "user", content: "question 1", timestamp: at(0).toISOString() },
            { role: "assistant", content: "answer 1", timestamp: at(0).toISOString() },
            { role: "user", content: "question 2", timestamp: at(1000).toISOString() },
            { role: "assistant", content: "answer 2", timestamp: at(1000).toISOString() },
          ],
          created_at: at(0).toISOString(),
          last_activity: at(1000).toISOString(),
        });
        expect(await s.countConversations()).toBe(1);
      });

      it("keeps only the newest maxMessages of a conversation", async () => {
        const s = await openStore();
        for (let n = 1; n <= 5; n++) await s.recordExchange("c1", exchange(n), at(n));
        const detail = await s.conversation("c1", at(10));
        expect(detail?.messages.map((m) => m.content)).toEqual(["question 4", "answer 4", "question 5", "answer 5"]);
        expect(detail?.message_count).toBe(4);
      });

      it("gives the model the newest `count` messages, oldest first", async () => {
        const s = await openStore();
        for (let n = 1; n <= 2; n++) await s.recordExchange("c1", exchange(n), at(n));
        expect(await s.recentMessages("c1", 3, at(10))).toEqual([
          { role: "assistant", content: "answer 1" },
          { role: "user", content: "question 2" },
          { role: "assistant", content: "answer 2" },
        ]);
        expect(await s.recentMessages("c1", 0, at(10))).toEqual([]);
        expect(await s.recentMessages("unknown", 5, at(10))).toEqual([]);
      });

      it("skips blank messages, and an empty exchange still creates the conversation", async () => {
        const s = await openStore();
        await s.recordExchange(
          "c1",
          [
            { role: "user", content: "  " },
            { role: "assistant", content: "" },
          ],
          T0,
        );
        const detail = await s.conversation("c1", T0);
        expect(detail?.message_count).toBe(0);
        // Half an exchange is not stored either: a question without its answer would leave two user
        // messages in a row in what the model is given next.
        await s.recordExchange(
          "c1",
          [
            { role: "user", content: "question" },
            { role: "assistant", content: " \n" },
          ],
          T0,
        );
        expect((await s.conversation("c1", T0))?.message_count).toBe(0);
        await s.recordExchange("c2", [], T0);
        expect(await s.countConversations()).toBe(2);
      });

      it("stores U+0000 (and U+E000, the PostgreSQL store's escape) anywhere, exactly as given", async () => {
        const s = await openStore();
        const cid = "x\u0000y\uE000";
        const odd = "a\u0000b \uE0000 \uE000\uE000 \u0000\uE000";
        await s.recordExchange(
          cid,
          [
            { role: "user", content: odd },
            { role: "assistant", content: "\u0000!" },
          ],
          T0,
        );
        expect((await s.conversation(cid, T0))?.messages.map((m) => m.content)).toEqual([odd, "\u0000!"]);
        expect(await s.recentMessages(cid, 5, T0)).toEqual([
          { role: "user", content: odd },
          { role: "assistant", content: "\u0000!" },
        ]);
        expect((await s.listConversations(10, T0)).map((c) => c.cid)).toEqual([cid]);
        // Lookups by a cid holding U+0000 find it, and only it.
        expect(await s.conversation("x\u0000y", T0)).toBeUndefined();
        expect(await s.conversation("x\uE0000y\uE000", T0)).toBeUndefined();
        expect(await s.deleteConversation("x\u0000z")).toBe(false);

        const tagged: Insight = { ...insight("k\u0000", "insert", odd), tags: ["t\u0000", "\uE000"] };
        const applied = await s.applyInsights(cid, [tagged], "feed\u0000back", T0);
        expect(applied.outcomes[0]?.entry).toMatchObject({
          cid,
          key: "k\u0000",
          value: odd,
          tags: ["t\u0000", "\uE000"],
        });
        expect(await s.activePlaybook(cid)).toMatchObject([
          { key: "k\u0000", value: odd, source_feedback: "feed\u0000back" },
        ]);
        await s.applyInsights(cid, [{ ...insight("k\u0000", "update", "v2") }], "f", T0);
        expect((await s.activePlaybook(cid)).map((e) => [e.key, e.value, e.version])).toEqual([["k\u0000", "v2", 2]]);
        const log = await s.playbookOperations(cid);
        expect(log[0]?.extracted_data).toEqual(tagged);
        expect(log[0]?.source_feedback).toBe("feed\u0000back");
        expect(await s.deleteConversation(cid)).toBe(true);
        expect(await s.activePlaybook(cid)).toEqual([]);
      });

      it("hides messages past the retention and prunes them", async () => {
        const s = await openStore();
        await s.recordExchange("old", exchange(1), at(0));
        await s.recordExchange("new", exchange(2), at(6 * DAY));
        const later = at(7 * DAY + 1);
        expect((await s.conversation("old", later))?.messages).toEqual([]);
        expect(await s.recentMessages("old", 5, later)).toEqual([]);
        expect((await s.conversation("new", later))?.message_count).toBe(2);
        const list = await s.listConversations(10, later);
        expect(list.find((c) => c.cid === "old")?.messages).toBe(0);
        expect(await s.pruneExpired(later)).toBe(2);
        expect(await s.pruneExpired(later)).toBe(0);
        // The message exactly at the retention boundary stays.
        expect(await s.pruneExpired(at(13 * DAY))).toBe(0);
        expect(await s.pruneExpired(at(13 * DAY + 1))).toBe(2);
      });

      it("prunes conversations with no message left with their playbook and log, and old log rows", async () => {
        const s = await openStore();
        await s.recordExchange("gone", exchange(1), at(0));
        await s.applyInsights("gone", [insight("k")], "f", at(0));
        await s.recordExchange("kept", exchange(1), at(6 * DAY));
        await s.applyInsights("kept", [insight("a"), insight("b"), insight("b", "delete")], "f", at(0));
        await s.recordExchange("empty", [], at(6 * DAY));
        // A playbook whose exchange was never stored (the request failed in between).
        await s.applyInsights("orphan", [insight("o")], "f", at(0));
        const later = at(7 * DAY + 1);
        expect(await s.pruneExpired(later)).toBe(2);
        // gone's entry and log row; then the old log rows (kept's 3, orphan's 1), kept's inactive "b"
        // and orphan's entry.
        expect(await s.pruneUnused(later)).toEqual({ conversations: 2, playbookEntries: 3, operations: 5 });
        expect(await s.countConversations()).toBe(1);
        expect(await s.conversation("gone", later)).toBeUndefined();
        expect(await s.conversation("empty", later)).toBeUndefined();
        expect(await s.activePlaybook("gone")).toEqual([]);
        expect(await s.activePlaybook("orphan")).toEqual([]);
        // A live conversation keeps its active entries, however old.
        expect((await s.activePlaybook("kept")).map((e) => e.key)).toEqual(["a"]);
        expect(await s.playbookOperations("kept")).toEqual([]);
        // A conversation emptied or created just now is not taken for an unused one.
        await s.recordExchange("fresh", [], later);
        expect(await s.pruneUnused(later)).toEqual({ conversations: 0, playbookEntries: 0, operations: 0 });
        expect(await s.countConversations()).toBe(2);
      });

      it("lists conversations by last update, newest first, with live counts", async () => {
        const s = await openStore();
        await s.recordExchange("a", exchange(1), at(0));
        await s.recordExchange("b", exchange(1), at(10));
        await s.recordExchange("a", exchange(2), at(20));
        const list = await s.listConversations(10, at(30));
        expect(list).toEqual([
          { cid: "a", messages: 4, created_at: at(0).toISOString(), last_updated: at(20).toISOString() },
          { cid: "b", messages: 2, created_at: at(10).toISOString(), last_updated: at(10).toISOString() },
        ]);
        expect(await s.listConversations(1, at(30))).toHaveLength(1);
      });

      it("deletes a conversation with its messages, playbook and playbook log", async () => {
        const s = await openStore();
        await s.recordExchange("c1", exchange(1), T0);
        await s.applyInsights("c1", [insight("k")], "feedback", T0);
        await s.recordExchange("c2", exchange(1), T0);
        await s.applyInsights("c2", [insight("k")], "feedback", T0);
        expect(await s.deleteConversation("c1")).toBe(true);
        expect(await s.conversation("c1", T0)).toBeUndefined();
        expect(await s.activePlaybook("c1")).toEqual([]);
        expect(await s.playbookOperations("c1")).toEqual([]);
        expect(await s.activePlaybook("c2")).toHaveLength(1);
        expect(await s.deleteConversation("c1")).toBe(false);
        expect(await s.countConversations()).toBe(1);
      });

      it("keeps the cap under concurrent appends to one conversation", async () => {
        const s = await openStore();
        await Promise.all(Array.from({ length: 12 }, (_, n) => s.recordExchange("busy", exchange(n), at(n))));
        const detail = await s.conversation("busy", at(100));
        expect(detail?.message_count).toBe(4);
        // Exchanges stay whole: user then assistant.
        expect(detail?.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
      });
    });

    describe("playbook", () => {
      it("inserts, updates (version + 1, tags kept when not given) and soft-deletes by key", async () => {
        const s = await openStore();
        const first = await s.applyInsights(
          "c1",
          [{ ...insight("style"), insight_type: "preference", confidence_score: 0.9, tags: ["tone"] }, insight("lang")],
          "feedback one",
          at(0),
        );
        expect(first.activeCount).toBe(2);
        expect(first.outcomes.map((o) => [o.performed, o.applied])).toEqual([
          ["insert", true],
          ["insert", true],
        ]);
        const second = await s.applyInsights(
          "c1",
          [insight("style", "update", "shorter"), insight("lang", "delete", "")],
          "feedback two",
          at(1000),
        );
        expect(second.activeCount).toBe(1);
        const [entry] = await s.activePlaybook("c1");
        expect(entry).toMatchObject({
          cid: "c1",
          insight_type: "fact",
          key: "style",
          value: "shorter",
          operation: "update",
          source_feedback: "feedback two",
          confidence_score: 0.8,
          tags: ["tone"],
          created_at: at(0).toISOString(),
          updated_at: at(1000).toISOString(),
          version: 2,
          is_active: true,
        });
        expect(typeof entry?.id).toBe("number");
      });

      it("treats an insert of an active key as an update, so keys stay unique", async () => {
        const s = await openStore();
        await s.applyInsights("c1", [insight("k", "insert", "one")], "f", T0);
        const result = await s.applyInsights("c1", [insight("k", "insert", "two")], "f", T0);
        expect(result.outcomes[0]?.performed).toBe("update");
        const entries = await s.activePlaybook("c1");
        expect(entries.map((e) => [e.key, e.value, e.version])).toEqual([["k", "two", 2]]);
      });

      it("holds the entry cap for inserts and for updates of unknown keys (reference bug)", async () => {
        const s = await openStore();
        const result = await s.applyInsights(
          "c1",
          [insight("a"), insight("b"), insight("c"), insight("d"), insight("e", "update")],
          "f",
          T0,
        );
        expect(result.activeCount).toBe(3);
        expect(result.outcomes.map((o) => o.applied)).toEqual([true, true, true, false, false]);
        expect(result.outcomes[3]?.error).toBe("Playbook limit reached (3 entries)");
        // A delete frees a slot for the next insert in the same feedback.
        const next = await s.applyInsights("c1", [insight("a", "delete"), insight("f")], "f", T0);
        expect(next.outcomes.map((o) => o.applied)).toEqual([true, true]);
        expect((await s.activePlaybook("c1")).map((e) => e.key)).toEqual(["b", "c", "f"]);
      });

      it("logs every operation, applied or not, and a delete of an unknown key is a logged failure", async () => {
        const s = await openStore();
        await s.applyInsights("c1", [insight("a"), insight("ghost", "delete")], "the feedback", T0);
        const log = await s.playbookOperations("c1");
        expect(log.map((l) => [l.operation, l.success, l.error_message])).toEqual([
          ["insert", true, null],
          ["delete", false, 'No active entry with key "ghost"'],
        ]);
        expect(log[0]?.extracted_data).toEqual(insight("a"));
        expect(log[0]?.entry_id).toBe((await s.activePlaybook("c1"))[0]?.id);
        expect(log[1]?.entry_id).toBeNull();
        expect(log[0]?.source_feedback).toBe("the feedback");
        expect(log[0]?.timestamp).toBe(T0.toISOString());
      });

      it("keeps a bounded excerpt of long feedback, with its length and hash, in entries and the log", async () => {
        const s = await openStore();
        await s.applyInsights("c1", [insight("k")], "f".repeat(100_000), T0);
        const [entry] = await s.activePlaybook("c1");
        const [row] = await s.playbookOperations("c1");
        for (const kept of [entry?.source_feedback, row?.source_feedback]) {
          expect(kept).toMatch(/^f{1000}… \[100000 characters, sha256 [0-9a-f]{64}\]$/);
        }
      });

      it("keeps a conversation's newest log rows, ten per entry the playbook may hold", async () => {
        const s = await openStore();
        for (let n = 0; n < 8; n++) {
          const ghosts = Array.from({ length: 5 }, (_, i) => insight(`ghost${n}-${i}`, "delete"));
          await s.applyInsights("c1", ghosts, "f", at(n));
        }
        const log = await s.playbookOperations("c1");
        expect(log).toHaveLength(30);
        expect(log[0]?.extracted_data.key).toBe("ghost2-0");
        expect(log.at(-1)?.extracted_data.key).toBe("ghost7-4");
      });

      it("keeps playbooks of different conversations apart", async () => {
        const s = await openStore();
        await s.applyInsights("c1", [insight("k", "insert", "one")], "f", T0);
        await s.applyInsights("c2", [insight("k", "insert", "two")], "f", T0);
        expect((await s.activePlaybook("c1")).map((e) => e.value)).toEqual(["one"]);
        expect((await s.activePlaybook("c2")).map((e) => e.value)).toEqual(["two"]);
      });

      it("holds the cap when several feedbacks are applied at once", async () => {
        const s = await openStore();
        await Promise.all(
          Array.from({ length: 6 }, (_, n) => s.applyInsights("c1", [insight(`k${n}`)], `feedback ${n}`, at(n))),
        );
        expect(await s.activePlaybook("c1")).toHaveLength(3);
        expect((await s.playbookOperations("c1")).filter((l) => !l.success)).toHaveLength(3);
      });
    });
  });
}
