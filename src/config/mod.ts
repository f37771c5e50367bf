/**
 * Configuration: the one flags table, command-line and flags-file parsing,
 * and validation into a frozen {@link Config}. Nothing else in Pillarbox
 * reads `Deno.args`; modules receive their slice of the Config.
 *
 * ```ts
 * const { config, words } = loadConfig(Deno.args.slice(1), { passThrough: ["--json"] });
 * ```
 */

export type { HostPort, ListenAddress, Route } from "./address.ts";
export { formatHostPort, parseHostPort, parseListenAddress, parseRoute } from "./address.ts";
export type { Cidr } from "./cidr.ts";
export { formatCidr, ipInNetworks, parseCidr } from "./cidr.ts";
export type { Config } from "./config.ts";
export { ConfigError, LOG_FORMATS, LOG_LEVELS, SMARTHOST_TLS_MODES } from "./config.ts";
export { formatDurationMs, parseDurationMs } from "./duration.ts";
export { canonicalIp, isIpLiteral } from "./ip.ts";
export type { ReadTextFile } from "./flags_file.ts";
export { FLAGS } from "./flags_table.ts";
export type { FlagRow } from "./flags_table.ts";
export type { LoadConfigOptions, LoadedCommandLine } from "./load_config.ts";
export { loadConfig } from "./load_config.ts";
export type { LookupHost } from "./listen_hosts.ts";
export { checkListenHosts } from "./listen_hosts.ts";
export type { FlagOrigins } from "./flag_origins.ts";
export { locateConfigError, NO_FLAGFILE } from "./flag_origins.ts";
export { scanCommandLine } from "./command_line.ts";
export { renderConfig, renderFlagsMarkdown, renderHelp } from "./render.ts";
export { formatSizeBytes, parseSizeBytes } from "./size.ts";
