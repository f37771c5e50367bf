/**
 * A recipient's domain and its MX hosts are fully qualified names: the system
 * resolver's search list must not be appended to them (RFC 5321 5.1: relay
 * servers "MUST NOT" infer FQDNs from partial names; 2.3.5; RFC 1535). With
 * "search corp.example" and "options ndots:5" in /etc/resolv.conf (as in
 * every Kubernetes pod), mail for d.test went to whatever d.test.corp.example
 * or mx.d.test.corp.example said, when a wildcard or a namesake under the
 * search domain answered. Run in namespaces of its own (`unshare -rmn`), so
 * that /etc/resolv.conf can be replaced and the fake DNS server bind port 53.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { makeTestFile } from "../temp_dirs.ts";

function namespacesWork(): boolean {
  try {
    const probe = new Deno.Command("unshare", {
      args: ["-rmn", "sh", "-c", "ip link set lo up"],
      stdout: "null",
      stderr: "null",
    });
    return probe.outputSync().success;
  } catch {
    return false;
  }
}

const CASES: { name: string; domain: string }[] = [
  { name: "an MX host is looked up by its own name", domain: "d.test" },
  { name: "a domain without MX is looked up at its own name", domain: "plain.test" },
];

Deno.test({
  name: "MX lookups do not append the system resolver's search domains (RFC 5321 5.1): " +
    CASES.map((c) => c.name).join("; "),
  ignore: !namespacesWork(),
  fn: async () => {
    const resolvConf = makeTestFile({ suffix: ".resolv.conf" });
    await Deno.writeTextFile(
      resolvConf,
      "nameserver 127.0.0.1\nsearch corp.example\noptions ndots:5\n",
    );
    const child = fileURLToPath(new URL("./search_list_child.ts", import.meta.url));
    const script = 'ip link set lo up && mount --bind "$0" /etc/resolv.conf && exec "$@"';
    const output = await new Deno.Command("unshare", {
      args: [
        "-rmn",
        "sh",
        "-c",
        script,
        resolvConf,
        Deno.execPath(),
        "run",
        "-A",
        child,
        ...CASES.map((c) => c.domain),
      ],
      stdout: "piped",
      stderr: "piped",
      // Deno's own update check would ask the fake server too (dl.deno.land.corp.example), now
      // and then, and always where its last look is not cached (a clean machine).
      env: { DENO_NO_UPDATE_CHECK: "1" },
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    const { results, questions } = JSON.parse(stdout) as {
      results: Record<string, unknown>;
      questions: string[];
    };
    for (const { name, domain } of CASES) {
      assert.deepEqual(
        results[domain],
        {
          kind: "targets",
          targets: [{
            name: domain === "d.test" ? "mx.d.test" : domain,
            address: "127.0.0.1",
            port: 25,
          }],
        },
        `${name}: ${JSON.stringify(questions)}`,
      );
    }
    assert.deepEqual(questions.filter((q) => q.includes("corp.example")), []);
  },
});
