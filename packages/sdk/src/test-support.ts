/** TEST-ONLY: scripted fetch answers for the SDK's unit tests. */

/** An SSE body from event data strings (`[DONE]` included as given); `cut` ends it with a network error. */
export function sseBody(datas: string[], cut = false): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let sent = false;
  return new ReadableStream({
    pull(controller) {
      // the events first; the end (or the failure) on the next read, so the events are delivered
      if (!sent) {
        sent = true;
        for (const d of datas) controller.enqueue(encoder.encode(`data: ${d}\n\n`));
      } else if (cut) controller.error(new TypeError('terminated'));
      else controller.close();
    },
  });
}

/** A JSON Response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** An OpenAI error envelope Response. */
export function apiError(status: number, code: string, headers: Record<string, string> = {}): Response {
  return json(status, { error: { message: `failed: ${code}`, type: 'invalid_request_error', param: null, code } }, headers);
}
