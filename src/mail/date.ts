/** RFC 5322 3.3 date-time in UTC: "Thu, 26 Nov 2026 06:15:53 +0000". */
export function formatRfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, "+0000");
}
