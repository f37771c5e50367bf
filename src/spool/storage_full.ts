/**
 * Whether a failed write failed for want of space (ENOSPC) or of quota
 * (EDQUOT): a state the administrator can clear, which SMTP names on its own
 * (452 4.3.1, RFC 5321 4.2.2 and RFC 3463 3.4), rather than a local error.
 */
export function isStorageFull(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  // Deno names some of these by code only, others only by the OS error in the message.
  return code === "ENOSPC" || code === "EDQUOT" || /\(os error (28|122)\)/.test(error.message);
}
