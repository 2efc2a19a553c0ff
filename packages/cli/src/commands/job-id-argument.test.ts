import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { jobId } from "./jobs-client.ts";

describe("a job id argument", () => {
  it("takes a UUID in capitals and sends it lowercase, as the coordinator keeps it", () => {
    expect(jobId("01A202E5-1F38-72D2-966A-A0639720A295")).toBe("01a202e5-1f38-72d2-966a-a0639720a295");
  });

  it("refuses what is not a UUID, with an example", () => {
    expect(() => jobId("urn:uuid:01a202e5-1f38-72d2-966a-a0639720a295")).toThrow(InvalidArgumentError);
    expect(() => jobId("42")).toThrow(/a UUID such as/);
  });
});
