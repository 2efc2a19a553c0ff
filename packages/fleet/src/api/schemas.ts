// Request schemas shared by the fleet routes (TypeBox → JSON Schema → OpenAPI at /docs).

import { Type } from "typebox";

export const idPattern = "^[A-Za-z0-9._-]{1,64}$";

export const operatorParams = Type.Object({
  operatorId: Type.String({ pattern: idPattern, description: "operator id" }),
});
export const minerParams = Type.Object({
  operatorId: Type.Optional(Type.String({ pattern: idPattern })),
  id: Type.String({ pattern: idPattern, description: "miner id" }),
});
export const optionalOperatorParams = Type.Object({ operatorId: Type.Optional(Type.String({ pattern: idPattern })) });

const pageFields = {
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: "records per page" }),
  before: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        "only records with seq < before (paging back: the previous page's nextBefore; a filtered page may hold fewer than limit records and still have one)",
    }),
  ),
  after: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: "only records with seq > after (what was written since: the previous answer's nextAfter)",
    }),
  ),
  minerId: Type.Optional(Type.String({ pattern: idPattern, description: "only this miner's records" })),
};
const cycleField = Type.Optional(
  Type.Integer({ minimum: 0, description: "only the records of this cycle (the seq of its fleet.cycle record)" }),
);

export const pageQuery = Type.Object(pageFields, { additionalProperties: false });

/** The lists whose records belong to a cycle (their body's `cycle`). */
export const cyclePageQuery = Type.Object({ ...pageFields, cycle: cycleField }, { additionalProperties: false });

export const decisionPageQuery = Type.Object(
  {
    ...pageFields,
    cycle: cycleField,
    // Checked by the route (ledger-page.ts), so a bad value is answered with the allowed ones.
    action: Type.Optional(
      Type.String({
        maxLength: 100,
        description: "only these actions: a comma-separated list of RUN, STOP, RESTART, HOLD (e.g. RUN,STOP,RESTART)",
      }),
    ),
  },
  { additionalProperties: false },
);

export const minersQuery = Type.Object(
  {
    offset: Type.Integer({ minimum: 0, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 20_000, default: 20_000 }),
  },
  { additionalProperties: false },
);

export const historyQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 120 }) },
  { additionalProperties: false },
);

export const commandBody = Type.Union([
  Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
  Type.Null(),
]);

export const modeBody = Type.Object(
  {
    // An enum, not a union of literals: a bad value is then answered with the allowed ones.
    mode: Type.Unsafe<"AUTO" | "MANUAL">({
      type: "string",
      enum: ["AUTO", "MANUAL"],
      description: "AUTO dispatches decisions; MANUAL suppresses every automatic action",
    }),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const runOnceQuery = Type.Object(
  {
    details: Type.Boolean({
      default: true,
      description: "include every miner's decision (false: only actions and suppressions)",
    }),
  },
  { additionalProperties: false },
);

export const idempotencyHeader = Type.Object({
  "idempotency-key": Type.Optional(
    Type.String({
      pattern: "^[A-Za-z0-9_.:-]{1,100}$",
      description: "retries with the same key return the first result instead of acting twice",
    }),
  ),
});

/** GET /miners' `conditions` (fleet-conditions.ts); the rest of the answer is described by its summary. */
const fleetCondition = Type.Object({
  code: Type.String({
    description: 'what it is, stable across cycles: "polls-failed", "price-source", "gate:STALE_PRICE", …',
  }),
  severity: Type.Literal("warn"),
  since: Type.Union([Type.String({ format: "date-time" }), Type.Null()], {
    description:
      "when the first cycle that showed it ran, of this process: one that held before a restart counts from the first cycle after it; null: not known (read back after a restart, before a cycle ran)",
  }),
  cycles: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
    description: "consecutive cycles that showed it; null: not known (read back after a restart)",
  }),
  count: Type.Integer({ minimum: 1, description: "miners it concerns (1 for a market source)" }),
  of: Type.Union([Type.Integer(), Type.Null()], { description: "the fleet's size; null for a market source" }),
  text: Type.String({ description: "the controller's words for it, as its log says them" }),
  examples: Type.Array(Type.String(), { maxItems: 5, description: "up to five miner ids it concerns" }),
});

export const minersResponse = Type.Object(
  {
    conditions: Type.Array(fleetCondition, {
      description:
        "what the latest cycle shows going wrong fleet-wide, as the controller's log warns of it: polls failing for a share of the fleet, a market source failing, the evidence gate holding miners, latched miners hashing again, actions not carried out, commands the miners refused ([]: nothing, or no cycle yet)",
    }),
    conditionsNote: Type.Union([Type.String(), Type.Null()], {
      description:
        "set when the conditions were read back from the latest cycle's records after a restart: what is not known then (since when, a market source's failure, why polls failed)",
    }),
  },
  { additionalProperties: true },
);
