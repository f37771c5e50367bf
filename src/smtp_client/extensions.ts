/** What a server offers in its EHLO reply (RFC 5321 4.1.1.1), as typed fields. */

/** The extensions the client uses. */
export interface Extensions {
  isEsmtp: boolean;
  hasPipelining: boolean;
  has8bitMime: boolean;
  hasSmtputf8: boolean;
  hasStartTls: boolean;
  /** RFC 3461: the server takes NOTIFY, ORCPT, RET and ENVID. */
  hasDsn: boolean;
  /** SIZE limit in bytes; 0 = offered without a limit; null = not offered. */
  maxSizeBytes: number | null;
  /** Upper-cased SASL mechanisms offered with AUTH. */
  authMechanisms: ReadonlySet<string>;
}

/** Nothing offered (HELO, or before EHLO). */
export const NO_EXTENSIONS: Extensions = {
  isEsmtp: false,
  hasPipelining: false,
  has8bitMime: false,
  hasSmtputf8: false,
  hasStartTls: false,
  hasDsn: false,
  maxSizeBytes: null,
  authMechanisms: new Set(),
};

/** Reads the lines after the first of an EHLO reply; unknown keywords are ignored. */
export function parseEhloLines(lines: readonly string[]): Extensions {
  const result = { ...NO_EXTENSIONS, isEsmtp: true, authMechanisms: new Set<string>() };
  for (const line of lines.slice(1)) {
    const [word = "", ...params] = line.trim().split(/\s+/);
    let keyword = word.toUpperCase();
    // "AUTH=LOGIN PLAIN": the pre-RFC 2554 form some servers still send (alone, at times).
    if (keyword.startsWith("AUTH=")) {
      params.unshift(keyword.slice("AUTH=".length));
      keyword = "AUTH";
    }
    switch (keyword) {
      case "PIPELINING":
        result.hasPipelining = true;
        break;
      case "8BITMIME":
        result.has8bitMime = true;
        break;
      case "SMTPUTF8":
        result.hasSmtputf8 = true;
        break;
      case "STARTTLS":
        result.hasStartTls = true;
        break;
      case "DSN":
        result.hasDsn = true;
        break;
      case "SIZE": {
        const limit = Number(params[0] ?? "0");
        result.maxSizeBytes = Number.isSafeInteger(limit) && limit > 0 ? limit : 0;
        break;
      }
      case "AUTH":
        for (const mechanism of params) {
          if (mechanism) result.authMechanisms.add(mechanism.toUpperCase());
        }
        break;
    }
  }
  return result;
}
