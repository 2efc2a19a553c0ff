import { describe, expect, it } from "vitest";
import { suggestedHttpStatus } from "./errors.ts";

describe("suggestedHttpStatus", () => {
  it("maps upstream failures to 502, timeouts to 504, overload to 503 and bad input to 400", () => {
    expect(["UPSTREAM_HTTP", "UPSTREAM_UNREACHABLE"].map((c) => suggestedHttpStatus(c as "UPSTREAM_HTTP"))).toEqual([
      502, 502,
    ]);
    expect(suggestedHttpStatus("UPSTREAM_TIMEOUT")).toBe(504);
    expect(suggestedHttpStatus("TIMEOUT")).toBe(504);
    expect(suggestedHttpStatus("QUEUE_FULL")).toBe(503);
    expect(suggestedHttpStatus("CONTEXT_OVERFLOW")).toBe(400);
    expect(suggestedHttpStatus("MODEL_CORRUPT")).toBe(500);
  });
});
