/** A part's Content-Transfer-Encoding mechanism (RFC 2045 6). */
import { withoutComments } from "./mime_parameter_encoding.ts";

/**
 * The mechanism named by a Content-Transfer-Encoding value (null when the
 * field is absent), lower-case and without comments: `8bit (sent as is)` is
 * 8bit (RFC 2045 3, 6.1). An absent or empty field means "7bit".
 */
export function transferEncodingOf(value: string | null): string {
  return (value === null ? "" : withoutComments(value).trim().toLowerCase()) || "7bit";
}
