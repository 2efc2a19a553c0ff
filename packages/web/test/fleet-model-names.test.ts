// A miner that has never answered shows its configured model's name, as the others show the name
// their firmware reports: before, sim-007 read "s17-pro" among rows of "Antminer S19". The
// dashboard's copy of the catalogue must say what the fleet controller's says.

import { models } from "@pithead/fleet";
import { describe, expect, it } from "vitest";
import { configuredModelNames, modelDisplayName } from "../app/pages/fleet/model-names.ts";
import { failedRow } from "./support/fleet-rows.ts";
import { renderComponent } from "./support/render.ts";

describe("model names in the fleet table", () => {
  it("the dashboard's names are the fleet catalogue's, id for id", () => {
    expect(configuredModelNames).toEqual(Object.fromEntries(models.map((model) => [model.id, model.label])));
  });

  it("a configured id reads as its name; a reported name, or one the catalogue lacks, as it is", () => {
    expect(modelDisplayName("s17-pro")).toBe("Antminer S17 Pro");
    expect(modelDisplayName("S19-XP")).toBe("Antminer S19 XP");
    expect(modelDisplayName("M30S.V10")).toBe("M30S.V10");
    expect(modelDisplayName(null)).toBeNull();
  });

  it("failed_miner_shows_configured_model_name: the row reads Antminer S17 Pro, not s17-pro", async () => {
    const failed = failedRow("sim-007", "s17-pro", { lastDecision: null });
    const html = await renderComponent("pages/fleet/fleet-miner-table.tsx", "FleetMinerTable", {
      miners: [failed],
      margins: new Map(),
      selected: null,
      onSelect: () => {},
      onCommand: () => {},
      busy: null,
    });
    expect(html).toMatch(/sim-007<\/button><\/th><td>Antminer S17 Pro<\/td>/);
    expect(html).not.toContain(">s17-pro<");
  });
});
