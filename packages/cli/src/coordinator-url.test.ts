// A coordinator URL pasted with the API's prefix (`--url http://host:8080/v1`, as the docs write
// routes) made every command answer "Not found [NOT_FOUND]": the commands add /v1/... themselves.
import { describe, expect, it } from "vitest";
import { coordinatorUrlOf } from "./coordinator-url.ts";

describe("the coordinator URL of a command", () => {
  it("drops a trailing /v1 (with or without a slash) and keeps any other path", () => {
    expect(coordinatorUrlOf("http://127.0.0.1:8080/v1", {})).toBe("http://127.0.0.1:8080");
    expect(coordinatorUrlOf("http://127.0.0.1:8080/v1/", {})).toBe("http://127.0.0.1:8080");
    expect(coordinatorUrlOf(undefined, { COORD_URL: "https://pool.example/coordinator/v1" })).toBe(
      "https://pool.example/coordinator",
    );
    expect(coordinatorUrlOf("http://127.0.0.1:8080/coordinator", {})).toBe("http://127.0.0.1:8080/coordinator");
    expect(coordinatorUrlOf("http://127.0.0.1:8080/v10", {})).toBe("http://127.0.0.1:8080/v10");
  });
});
