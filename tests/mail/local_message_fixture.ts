/** prepareLocalMessage as sendmail and the pickup call it, on a fixed clock. */
import assert from "node:assert/strict";
import { type LocalMessageOptions, prepareLocalMessage } from "../../src/mail/local_message.ts";

export const encoder = new TextEncoder();
export const latin1 = new TextDecoder("latin1");
export const NOW = Date.UTC(2026, 4, 6, 7, 8, 9);

export function prepare(text: string, overrides: Partial<LocalMessageOptions> = {}) {
  return prepareLocalMessage(encoder.encode(text), {
    isExtractingRecipients: true,
    defaultDomain: "example.test",
    hostname: "mx.test",
    nowMs: NOW,
    maxMessageBytes: 10_000,
    ...overrides,
  });
}

export function ok(result: ReturnType<typeof prepare>) {
  assert.ok(!("error" in result), JSON.stringify(result));
  return { ...result, text: latin1.decode(result.message) };
}
