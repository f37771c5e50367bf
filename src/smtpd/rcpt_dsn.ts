/** RCPT's DSN parameters (RFC 3461 4.1, 4.2): checked before anything of the RCPT is kept. */
import type { EsmtpParameters, RecipientDsn } from "../smtp/mod.ts";
import { parseNotify, parseOrcpt, Refusal } from "../smtp/mod.ts";

/**
 * NOTIFY and ORCPT from a RCPT's parameters; any other parameter is refused
 * as unsupported, a bad value with 501 (RFC 3461 5.1 (b); one given twice is
 * refused by parseParameters already). Nothing accepted before is touched.
 */
export function recipientDsn(
  params: EsmtpParameters,
  transaction: { isSmtputf8: boolean },
): RecipientDsn {
  let notify: RecipientDsn["notify"];
  let orcpt: string | undefined;
  for (const [name, value] of params) {
    switch (name) {
      case "NOTIFY": {
        const checked = parseNotify(value);
        if ("error" in checked) throw Refusal.syntax(checked.error);
        notify = checked;
        break;
      }
      case "ORCPT": {
        const checked = parseOrcpt(value, { isSmtputf8: transaction.isSmtputf8 });
        if (typeof checked === "object") throw Refusal.syntax(checked.error);
        orcpt = checked;
        break;
      }
      default:
        throw Refusal.unsupportedParameter(name);
    }
  }
  return { ...(notify ? { notify } : {}), ...(orcpt ? { orcpt } : {}) };
}
