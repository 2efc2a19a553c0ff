// Which operator a request is about: the :operatorId in the path, which must be the one whose
// credentials signed it, or — on the single-operator aliases (/miners, /ledger/*, /loop/run-once)
// — the signing operator itself, or the only operator when auth is disabled.
//
// Checked before validation too: another operator's route is 403 whatever its body or query, so
// one operator learns nothing about another's routes from what their schemas refuse.

import type { FastifyInstance, FastifyRequest } from "fastify";
import type { OperatorController } from "../orchestrator/operator-controller.ts";
import type { QuarantinedOperator } from "../orchestrator/quarantine.ts";
import { fleetErrors } from "./errors.ts";

export type Controllers = ReadonlyMap<string, OperatorController>;

export function controllerFor(request: FastifyRequest, controllers: Controllers): OperatorController {
  const named = (request.params as { operatorId?: string } | undefined)?.operatorId;
  const signer = request.operator?.id;
  if (named !== undefined) {
    if (signer !== undefined && signer !== named) {
      throw fleetErrors.error(
        "OPERATOR_FORBIDDEN",
        { operator: signer, requested: named },
        `credentials of operator '${signer}' cannot reach operator '${named}'`,
      );
    }
    const controller = controllers.get(named);
    if (!controller) throw fleetErrors.error("UNKNOWN_OPERATOR", { operatorId: named }, `no operator '${named}'`);
    return controller;
  }
  if (signer !== undefined) {
    const controller = controllers.get(signer);
    if (!controller) throw fleetErrors.error("UNKNOWN_OPERATOR", { operatorId: signer });
    return controller;
  }
  if (controllers.size !== 1) throw fleetErrors.error("AMBIGUOUS_OPERATOR", { operators: [...controllers.keys()] });
  return [...controllers.values()][0] as OperatorController;
}

export type Quarantined = ReadonlyMap<string, QuarantinedOperator>;

/**
 * The operator a request is about when that operator is quarantined (its partition could not be
 * read back at start), after the same credential check as controllerFor: another operator's
 * credentials get 403 and learn nothing of the damage.
 */
function quarantinedFor(
  request: FastifyRequest,
  controllers: Controllers,
  quarantined: Quarantined,
): QuarantinedOperator | undefined {
  if (quarantined.size === 0) return undefined;
  const named = (request.params as { operatorId?: string } | undefined)?.operatorId;
  const signer = request.operator?.id;
  if (named !== undefined && signer !== undefined && signer !== named) return undefined; // 403 below
  const id = named ?? signer;
  if (id !== undefined) return quarantined.get(id);
  // Auth disabled, an alias: several operators configured, healthy or not, is ambiguous.
  if (controllers.size + quarantined.size !== 1) {
    throw fleetErrors.error("AMBIGUOUS_OPERATOR", {
      operators: [...controllers.keys(), ...quarantined.keys()],
    });
  }
  return [...quarantined.values()][0];
}

/** Refuses a request for an operator these credentials cannot reach before its body and query are validated. */
export function checkOperatorFirst(scope: FastifyInstance, controllers: Controllers, quarantined: Quarantined): void {
  scope.addHook("preValidation", async (request: FastifyRequest) => {
    const entry = quarantinedFor(request, controllers, quarantined);
    if (entry) {
      throw fleetErrors.error(
        "OPERATOR_QUARANTINED",
        { operatorId: entry.operator.id, partition: entry.partition, damage: entry.damage, verify: entry.verify },
        `operator '${entry.operator.id}' is quarantined: its ledger partition ${entry.partition} could not be read back at start (${entry.damage}); no cycle runs for it until it is repaired and the controller restarted. Run \`${entry.verify}\` to see where`,
      );
    }
    controllerFor(request, controllers);
  });
}
