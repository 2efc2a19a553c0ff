import { expect, it } from "vitest";
import { timeOrderedId } from "./ids.ts";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

it("makes RFC 9562 version 7 UUIDs that sort by the time they were made", () => {
  const ids = [1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000].map((ms) => timeOrderedId(ms));
  for (const id of ids) expect(id).toMatch(UUID_V7);
  expect([...ids].sort()).toEqual(ids);
  expect(Number.parseInt(ids[0]?.replace("-", "").slice(0, 12) ?? "", 16)).toBe(1_700_000_000_000);
});

it("keeps 74 random bits: ids made in the same millisecond differ", () => {
  const same = new Set(Array.from({ length: 1000 }, () => timeOrderedId(1_700_000_000_000)));
  expect(same.size).toBe(1000);
});
