// The keys a tab keeps: logging out forgets every one the dashboard or the console it frames put
// in the tab, and an operator typed without its secret (or id) is refused with the field named,
// never dropped without a word.
import { describe, expect, it } from "vitest";
import {
  connectionsProblem,
  emptyConnections,
  forgetConnections,
  loadConnections,
  saveConnections,
} from "../app/session/connections.ts";

/** sessionStorage as the browser has it: one store per tab and origin, shared with same-origin frames. */
class TabStorage implements Storage {
  private items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, String(value));
  }
}

const withOperators = (operators: { id: string; secret: string }[]) => {
  const connections = emptyConnections();
  connections.fleet.operators = operators;
  return connections;
};

describe("logging out", () => {
  it("forgets the agent console's copy of the key too, so the framed console is no longer signed in", () => {
    const tab = new TabStorage();
    const connections = emptyConnections();
    connections.agent.apiKey = "agent-key-123";
    saveConnections(connections, tab);
    // What the agent's /ui console keeps when the dashboard hands it the key (same origin, same tab).
    tab.setItem("pithead-agent-api-key", "agent-key-123");
    tab.setItem("pithead-agent-cid", "ui-1234");

    forgetConnections(tab);

    expect(loadConnections(tab)).toBeNull();
    expect(tab.getItem("pithead-agent-api-key")).toBeNull();
    expect(tab.length).toBe(0);
  });
});

describe("saving keys on Connections", () => {
  it("refuses an operator without a secret, naming the operator and the field", () => {
    expect(connectionsProblem(withOperators([{ id: "default", secret: "" }]))).toBe(
      "Fleet operator default: Operator secret is empty; enter the operator's secret, or remove the row.",
    );
    expect(connectionsProblem(withOperators([{ id: "default", secret: "   " }]))).toContain("Operator secret is empty");
  });

  it("refuses a secret without an operator id, a malformed id and the same operator twice", () => {
    expect(connectionsProblem(withOperators([{ id: "", secret: "s3cret" }]))).toBe(
      "Fleet operator 1: Operator id is empty; enter the id its secret belongs to, or remove the row.",
    );
    expect(connectionsProblem(withOperators([{ id: "op a", secret: "s" }]))).toContain("Operator id may only hold");
    expect(
      connectionsProblem(
        withOperators([
          { id: "a", secret: "s" },
          { id: "a", secret: "t" },
        ]),
      ),
    ).toBe("Fleet operator a: listed twice; remove one of the rows.");
  });

  it("accepts complete operators and leaves a row left entirely empty alone", () => {
    expect(
      connectionsProblem(
        withOperators([
          { id: "a", secret: "s" },
          { id: "", secret: "" },
        ]),
      ),
    ).toBeNull();
    expect(connectionsProblem(emptyConnections())).toBeNull();
  });
});
