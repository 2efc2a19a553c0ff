import { describe, expect, it } from "vitest";
import { clientErrorResponse, clientErrorToHttpError } from "../src/client-errors.ts";
import { defineErrors } from "../src/index.ts";

const errors = defineErrors({});

describe("answers to what Node's parser refuses", () => {
  it("answers a client too slow to send its request with 408 CLIENT_TIMEOUT in the envelope", () => {
    const error = Object.assign(new Error("Request timeout"), { code: "ERR_HTTP_REQUEST_TIMEOUT" });
    const response = clientErrorResponse(clientErrorToHttpError(error, errors));
    const body = '{"error":{"code":"CLIENT_TIMEOUT","message":"The request did not arrive in time","details":{}}}';
    expect(response).toBe(
      `HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
});
