/**
 * What an alias passes on of the DSN requests of the RCPT that named it
 * (RFC 3461 5.2.7.3), the same for SMTP and local submission. Pure.
 */
import { orcptOf, type RecipientDsn } from "./dsn_parameters.ts";

/**
 * The NOTIFY and ORCPT the targets of alias `rcpt` carry, and whether the
 * alias itself is to be reported "expanded". They keep its NOTIFY, and its
 * ORCPT or else the alias's address (RFC 3461 4.2, 5.2.1 (d)), so a notice
 * names the address the sender knows. An alias of several targets asking
 * SUCCESS is reported "expanded" and its targets carry the NOTIFY without
 * SUCCESS (NEVER when nothing is left): the sender hears once, not once per
 * member, and learns no member's address.
 */
export function aliasTargetDsn(
  rcpt: string,
  dsn: RecipientDsn,
  options: { targetCount: number },
): { carried: RecipientDsn; isExpanded: boolean } {
  const orcpt = dsn.orcpt ?? orcptOf(rcpt);
  if (options.targetCount === 1 || !dsn.notify?.includes("SUCCESS")) {
    return { carried: dsn.notify ? { notify: dsn.notify, orcpt } : { orcpt }, isExpanded: false };
  }
  const rest = dsn.notify.filter((word) => word !== "SUCCESS");
  return { carried: { notify: rest.length > 0 ? rest : ["NEVER"], orcpt }, isExpanded: true };
}
