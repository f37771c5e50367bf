/**
 * The one flags table. Every flag Pillarbox understands is one row here:
 * parsing, validation of single values, defaults, `--help`, `check` output
 * and the README flags section are all generated from it. Adding a flag
 * means adding one row (and its field in {@link Config}).
 */

import {
  booleanCodec,
  choiceCodec,
  cidrListCodec,
  type Codec,
  countCodec,
  domainListCodec,
  durationCodec,
  hostnameCodec,
  hostPortCodec,
  listenCodec,
  portCodec,
  positiveIntegerCodec,
  requiredTextCodec,
  routeListCodec,
  sizeCodec,
  textCodec,
} from "./codecs.ts";
import { type Config, LOG_FORMATS, LOG_LEVELS, SMARTHOST_TLS_MODES } from "./config.ts";
import { SIZE_UNITS_HELP } from "./size.ts";

/** What a computed default may look at: the host's name and the flags resolved so far. */
export interface DefaultContext {
  /** The host's name (injected in tests, else `Deno.hostname()`). */
  hostname(): string;
  /** The values of flags without a computed default. */
  config: Readonly<Partial<Config>>;
}

/** One flag. `key` is its field in {@link Config}; null for `--flagfile`. */
export interface FlagRow {
  name: string;
  key: keyof Config | null;
  codec: Codec<unknown>;
  /** The default as a flags file would spell it, or computed after the other flags. */
  default: string | ((context: DefaultContext) => string);
  /**
   * How `--help` and the README show a default that is not plain text
   * (markdown: backticks mark code). Otherwise the default is shown as code,
   * or as "empty" when it is "".
   */
  defaultLabel?: string;
  /** One line of help; backticks mark code (shown in the README, dropped in `--help`). */
  help: string;
}

/** Builds a row whose codec's value type matches its Config field. */
function flag<K extends keyof Config>(
  row: Omit<FlagRow, "key" | "codec"> & { key: K; codec: Codec<Config[K]> },
): FlagRow & { key: K } {
  return row as FlagRow & { key: K };
}

/** `<spool-dir>/<name>`, without doubling a trailing slash. */
function inSpool(context: DefaultContext, name: string): string {
  return `${(context.config.spoolDir ?? "").replace(/\/+$/, "")}/${name}`;
}

/** Every flag, in the order `--help` and `check` print them. */
export const FLAGS = [
  {
    name: "flagfile",
    key: null,
    codec: textCodec("FILE"),
    default: "",
    defaultLabel: "none",
    help: "read flags from this file: one --name=value per line, # comments; the command line wins",
  },
  flag({
    name: "hostname",
    key: "hostname",
    codec: hostnameCodec,
    default: (context) => context.hostname(),
    defaultLabel: "the host's name",
    help: "name in the greeting, EHLO and Received headers",
  }),
  flag({
    name: "domains",
    key: "domains",
    codec: domainListCodec,
    default: "localhost",
    help:
      "comma list of local domains: mail to them goes to mailboxes (Unicode names are kept in A-labels)",
  }),
  flag({
    name: "spool-dir",
    key: "spoolDir",
    codec: requiredTextCodec("DIR"),
    default: "./spool",
    help: "root of all state: queue, mailboxes, pickup folder",
  }),
  flag({
    name: "users-file",
    key: "usersFile",
    codec: requiredTextCodec("FILE"),
    default: (context) => inSpool(context, "users"),
    defaultLabel: "`<spool-dir>/users`",
    help: "accounts and password hashes",
  }),
  flag({
    name: "aliases-file",
    key: "aliasesFile",
    codec: requiredTextCodec("FILE"),
    default: (context) => inSpool(context, "aliases"),
    defaultLabel: "`<spool-dir>/aliases`",
    help: "`alias@domain: target, target` lines; `@domain: user` is a catch-all",
  }),
  flag({
    name: "smtp-listen",
    key: "smtpListen",
    codec: listenCodec,
    default: "127.0.0.1:2525",
    help: "inbound SMTP (MX); empty disables. Production: :25",
  }),
  flag({
    name: "submission-listen",
    key: "submissionListen",
    codec: listenCodec,
    default: "127.0.0.1:2587",
    help: "submission, AUTH required to relay; empty disables. Production: :587",
  }),
  flag({
    name: "submissions-listen",
    key: "submissionsListen",
    codec: listenCodec,
    default: "",
    help: "submission over implicit TLS; empty disables. Production: :465",
  }),
  flag({
    name: "pop3-listen",
    key: "pop3Listen",
    codec: listenCodec,
    default: "127.0.0.1:2110",
    help: "POP3; empty disables. Production: :110",
  }),
  flag({
    name: "pop3s-listen",
    key: "pop3sListen",
    codec: listenCodec,
    default: "",
    help: "POP3 over TLS; empty disables. Production: :995",
  }),
  flag({
    name: "imap-listen",
    key: "imapListen",
    codec: listenCodec,
    default: "127.0.0.1:2143",
    help: "IMAP; empty disables. Production: :143",
  }),
  flag({
    name: "imaps-listen",
    key: "imapsListen",
    codec: listenCodec,
    default: "",
    help: "IMAP over TLS; empty disables. Production: :993",
  }),
  flag({
    name: "http-listen",
    key: "httpListen",
    codec: listenCodec,
    default: "",
    help: "status page and metrics; empty disables",
  }),
  flag({
    name: "tls-cert",
    key: "tlsCert",
    codec: textCodec("FILE"),
    default: "",
    help: "PEM certificate chain; with --tls-key enables STARTTLS, STLS and the TLS listeners",
  }),
  flag({
    name: "tls-key",
    key: "tlsKey",
    codec: textCodec("FILE"),
    default: "",
    help: "PEM private key for --tls-cert",
  }),
  flag({
    name: "insecure-auth",
    key: "insecureAuth",
    codec: booleanCodec,
    default: "false",
    help: "allow AUTH and LOGIN without TLS (tests, trusted LANs)",
  }),
  flag({
    name: "relay-networks",
    key: "relayNetworks",
    codec: cidrListCodec,
    default: "127.0.0.0/8,::1/128",
    help: "comma list of networks whose clients may relay without AUTH; empty means none",
  }),
  flag({
    name: "smarthost",
    key: "smarthost",
    codec: hostPortCodec({ requireIp: false }),
    default: "",
    help: "send all outbound mail via this host:port instead of MX lookup",
  }),
  flag({
    name: "smarthost-tls",
    key: "smarthostTls",
    codec: choiceCodec(SMARTHOST_TLS_MODES),
    default: "starttls",
    help: "security of the smarthost connection: starttls, implicit or none",
  }),
  flag({
    name: "smarthost-tls-verify",
    key: "smarthostTlsVerify",
    codec: booleanCodec,
    default: "true",
    help: "check the smarthost's TLS certificate (trusted CA, host name); false accepts any",
  }),
  flag({
    name: "smarthost-user",
    key: "smarthostUser",
    codec: textCodec("USER"),
    default: "",
    help: "AUTH user name for the smarthost (with --smarthost-password-file)",
  }),
  flag({
    name: "smarthost-password-file",
    key: "smarthostPasswordFile",
    codec: textCodec("FILE"),
    default: "",
    help: "file whose first line is the smarthost AUTH password",
  }),
  flag({
    name: "smarthost-insecure-auth",
    key: "smarthostInsecureAuth",
    codec: booleanCodec,
    default: "false",
    help: "allow sending the smarthost credentials without TLS (with --smarthost-tls=none)",
  }),
  flag({
    name: "route",
    key: "routes",
    codec: routeListCodec,
    default: "",
    defaultLabel: "none",
    help: "repeatable domain=host:port: fixed next hop for a domain",
  }),
  flag({
    name: "dns-server",
    key: "dnsServer",
    codec: hostPortCodec({ requireIp: true }),
    default: "",
    defaultLabel: "system",
    help: "ip:port of the DNS server for MX, A and AAAA lookups; empty means the system resolver",
  }),
  flag({
    name: "remote-smtp-port",
    key: "remoteSmtpPort",
    codec: portCodec,
    default: "25",
    help: "port used for MX (and no-MX address) delivery; 25 except in tests against a local sink",
  }),
  flag({
    name: "remote-smtp-timeout",
    key: "remoteSmtpTimeoutMs",
    codec: durationCodec({ allowZero: true }),
    default: "0",
    help: "cap on every outbound SMTP wait (connect, each reply); 0 means the RFC 5321 timeouts",
  }),
  flag({
    name: "retry-interval",
    key: "retryIntervalMs",
    codec: durationCodec({ allowZero: false }),
    default: "30m",
    help: "steady retry interval (s, m, h, d); the first retries come sooner, from --retry-min",
  }),
  flag({
    name: "retry-min",
    key: "retryMinMs",
    codec: durationCodec({ allowZero: false }),
    default: "1m",
    help: "first retry delay; later delays double up to --retry-interval",
  }),
  flag({
    name: "queue-lifetime",
    key: "queueLifetimeMs",
    codec: durationCodec({ allowZero: false }),
    default: "5d",
    help: "give up, bounce to the sender and remove the message after this",
  }),
  flag({
    name: "delay-warning",
    key: "delayWarningMs",
    codec: durationCodec({ allowZero: true }),
    default: "4h",
    help: 'send one "still trying" notice after this; 0 means never',
  }),
  flag({
    name: "smtp-idle-timeout",
    key: "smtpIdleTimeoutMs",
    codec: durationCodec({ allowZero: false }),
    default: "5m",
    help: "close an idle SMTP session with 421 4.4.2 after this (RFC 5321 4.5.3.2: at least 5m)",
  }),
  flag({
    name: "pop3-idle-timeout",
    key: "pop3IdleTimeoutMs",
    codec: durationCodec({ allowZero: false }),
    default: "10m",
    help: "close an idle POP3 session after this, deleting nothing (RFC 1939: at least 10m)",
  }),
  flag({
    name: "imap-idle-timeout",
    key: "imapIdleTimeoutMs",
    codec: durationCodec({ allowZero: false }),
    default: "30m",
    help: "log out an idle IMAP session (also in IDLE) after this (RFC 9051 5.4: at least 30m)",
  }),
  flag({
    name: "max-message-size",
    key: "maxMessageBytes",
    codec: sizeCodec,
    default: "25MB",
    help: `advertised as SIZE; larger messages are refused. Sizes: ${SIZE_UNITS_HELP}`,
  }),
  flag({
    name: "max-recipients",
    key: "maxRecipients",
    codec: positiveIntegerCodec,
    default: "1000",
    help: "recipients per transaction",
  }),
  flag({
    name: "max-connections",
    key: "maxConnections",
    codec: positiveIntegerCodec,
    default: "256",
    help: "simultaneous connections per listener (a quarter of them per client address)",
  }),
  flag({
    name: "spare-files",
    key: "spareFiles",
    codec: countCodec,
    default: "1024",
    help:
      "empty files kept in queue/spare/ so that accepting a message never creates one (finished files are parked there instead of deleted: up to 16x this many while mail moves, 4x once it is quiet); 0 turns this off",
  }),
  flag({
    name: "log-level",
    key: "logLevel",
    codec: choiceCodec(LOG_LEVELS),
    default: "info",
    help: "error, warn, info, debug or trace",
  }),
  flag({
    name: "log-format",
    key: "logFormat",
    codec: choiceCodec(LOG_FORMATS),
    default: "text",
    help: "text (logfmt) or json",
  }),
] as const satisfies readonly FlagRow[];

/** Compile-time check: every Config field has a row. */
type MissingConfigKeys = Exclude<keyof Config, (typeof FLAGS)[number]["key"]>;
const everyConfigKeyHasAFlag: [MissingConfigKeys] extends [never] ? true : MissingConfigKeys = true;
void everyConfigKeyHasAFlag;

/** Finds a row by flag name (without dashes), or undefined. */
export function findFlag(name: string): FlagRow | undefined {
  return FLAGS.find((row) => row.name === name);
}
