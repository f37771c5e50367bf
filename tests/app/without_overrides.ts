/**
 * Running a Deno program as root but without the capabilities that let root
 * read, write and link any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
 * CAP_FOWNER), via util-linux `setpriv`: it then meets another user's
 * private file as the service user does, with no second account and no copy
 * of the deno binary (which may sit under root's home).
 */

/** Whether this test run can do so: Linux, root, setpriv installed. */
export async function canDropOverrides(): Promise<boolean> {
  if (Deno.build.os !== "linux" || Deno.uid() !== 0) return false;
  try {
    const probe = await new Deno.Command("setpriv", { args: ["--version"], stdout: "null" })
      .output();
    return probe.success;
  } catch {
    return false;
  }
}

/** Runs `deno <args>` without the overrides; the status and what it printed. */
export async function denoWithoutOverrides(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command("setpriv", {
    args: ["--bounding-set=-fowner,-dac_override,-dac_read_search", Deno.execPath(), ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
