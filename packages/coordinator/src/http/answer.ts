// Sends an op's answer (status and body, possibly an idempotent replay) as the HTTP reply.
import type { FastifyReply } from "fastify";
import type { Answer } from "../ops/idempotent.ts";

export function sendAnswer(reply: FastifyReply, answer: Answer & { replayed: boolean }): FastifyReply {
  if (answer.replayed) void reply.header("idempotent-replayed", "true");
  return reply.code(answer.status).send(answer.body);
}
