// A fetch for the OpenAI SDK that stops reading an answer past a size limit. The SDK reads a
// whole JSON body into one string (and a stream for as long as it lasts), so a broken or
// hostile server sending hundreds of megabytes took the process to gigabytes of memory and
// ended, at best, as a "string too long" reported as a dropped connection. Past the limit the
// body fails with InvalidResponse (UPSTREAM_INVALID: the server answered, with nonsense) and
// the connection is closed, so nothing more is read.
//
// The error surfaces where the SDK reads the body, not from fetch itself: an error thrown by
// fetch would be taken for a connection failure and retried.

import { InvalidResponse } from "./response-shape.ts";

/**
 * 64 MiB: far above any real answer (a 128k-token completion is about 0.5 MB as JSON, and about
 * 40 MB as a stream of one event per token), far below what hurts the process.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 2 ** 20;

const mib = (bytes: number) => `${Math.round((bytes / 2 ** 20) * 10) / 10} MiB`;

function tooLarge(limit: number, what: string): InvalidResponse {
  return new InvalidResponse(`a body ${what} the ${mib(limit)} limit (maxResponseBytes)`);
}

/** `body` as it arrives, failing with InvalidResponse (and cancelling `body`) past `limit` bytes. */
function capBody(body: ReadableStream<Uint8Array>, limit: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let received = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      received += value.byteLength;
      if (received > limit) {
        const error = tooLarge(limit, "over");
        // Closes the connection: the rest is never read.
        reader.cancel(error).catch(() => {});
        controller.error(error);
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** A body that fails at once: the server declared a length over the limit. */
function failedBody(error: InvalidResponse): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.error(error);
    },
  });
}

/** `fetch` with every response body capped at `limit` bytes. */
export function cappedFetch(limit: number, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    if (response.body === null) return response;
    const declared = Number(response.headers.get("content-length"));
    let body: ReadableStream<Uint8Array>;
    if (Number.isFinite(declared) && declared > limit) {
      const error = tooLarge(limit, `of ${mib(declared)}, over`);
      response.body.cancel(error).catch(() => {});
      body = failedBody(error);
    } else {
      body = capBody(response.body, limit);
    }
    const capped = new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    // The SDK names the URL in its logs; a constructed Response has none.
    Object.defineProperty(capped, "url", { value: response.url });
    return capped;
  };
}
