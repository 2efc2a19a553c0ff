import { describe, expect, it } from "vitest";
import { describeEndpoints } from "./endpoint-summary.ts";

const at = (host: string, ports: number[]) =>
  ports.map((port, i) => ({ id: `sim-${String(i).padStart(4, "0")}`, host, port, model: "s19" }));

describe("where a simulated fleet listens, in one line", () => {
  it("does not call kernel-chosen ports a range: it says who chose them and names the first few", () => {
    const line = describeEndpoints(at("127.0.0.1", [33095, 43161, 37813, 35000]), "GET /miners");
    expect(line).toBe(
      "4 simulated miners on 127.0.0.1, ports chosen by the kernel (sim-0000 :33095, sim-0001 :43161, sim-0002 :37813, …; each in GET /miners)",
    );
    expect(line).not.toMatch(/33095\s*[…-]\s*37813/);
  });

  it("gives a range where the ports are one (a --base-port)", () => {
    expect(describeEndpoints(at("127.0.0.1", [4100, 4101, 4102]), "--json")).toBe(
      "3 simulated miners on 127.0.0.1, ports 4100–4102",
    );
  });

  it("gives the address range and the one port in hosts mode", () => {
    const hosts = ["127.1.0.1", "127.1.0.2"].map((host, i) => ({ id: `sim-${i}`, host, port: 4028, model: "s9" }));
    expect(describeEndpoints(hosts, "--json")).toBe("2 simulated miners on 127.1.0.1 … 127.1.0.2, port 4028");
  });
});
