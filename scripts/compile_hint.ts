/**
 * What `deno task compile` says after `deno compile` failed, from deno's
 * stderr: where the runtime (denort) could not be had, what to do about it.
 * With DENORT_BIN already set, telling the user to set it sent them round in
 * a circle: a mistyped or wrong-version path is named instead.
 */

/** Deno's own words when it could not fetch or find the runtime binary. */
const DENORT_TROUBLE = /denort|download|dl\.deno\.land|network|dns error|error sending request/i;

/** The line(s) to print after deno's own error. */
export function compileFailureHint(
  options: { stderr: string; denortBin: string | undefined; denoVersion: string },
): string {
  const { stderr, denortBin, denoVersion } = options;
  if (!DENORT_TROUBLE.test(stderr)) return "compile: deno compile failed (see above).";
  if (denortBin) {
    return `compile: DENORT_BIN="${denortBin}" could not be used (see above).\n` +
      `Point it at an existing denort binary of the same Deno version (${denoVersion}), ` +
      "or unset it to download one.";
  }
  return "compile: deno compile could not download the Deno runtime (denort) for this target.\n" +
    `Set DENORT_BIN to a denort binary of the same Deno version (${denoVersion}) ` +
    "and run `deno task compile` again, or build on a machine with internet access.";
}
