/** Logging: one line per event, with `cid`/`qid` and secrets redacted. */
export { formatLogfmt, isLogLevel, Logger } from "./logger.ts";
export type { LogFields, LogFormat, LogLevel, LogSink, LogTap } from "./logger.ts";
export { newCid, newId, newQid, randomHex } from "./ids.ts";
export { drainStderrLog } from "./stderr_sink.ts";
export { errorText, holdStackReserve, releaseStackReserve } from "./error_text.ts";
