/**
 * Accounts and authentication: password hashes, the users and aliases files,
 * the recipient directory, SASL PLAIN/LOGIN decoding and the login limiter.
 *
 * Accounts are full addresses (`bob@example.com`); everything here compares
 * normalized (lowercase) addresses.
 */

export { hashPassword, isPasswordHash, SCRYPT_PARAMS, verifyPassword } from "./password.ts";
export {
  isValidAccountAddress,
  isValidDomain,
  isValidTargetAddress,
  normalizeAddress,
  normalizeDomain,
  splitAddress,
} from "./address.ts";
export {
  formatUsers,
  parseUsers,
  readUsersFile,
  updateUsersFile,
  writeUsersFile,
} from "./users_file.ts";
export { catchAllKey, parseAliases, readAliasesFile } from "./aliases_file.ts";
export type { AliasTable } from "./aliases_file.ts";
export { Directory, MAX_ALIAS_DEPTH } from "./directory.ts";
export type { DirectoryOptions, LoginStanding, RecipientVerdict } from "./directory.ts";
export { WatchedFile } from "./watched_file.ts";
export {
  decodeBase64Text,
  decodePlainResponse,
  encodeBase64Text,
  encodePlainResponse,
  isForeignAuthzid,
  isSaslCancel,
  MAX_SASL_LINE_OCTETS,
} from "./sasl.ts";
export type { SaslCredentials } from "./sasl.ts";
export { formatAuthFailureFields, limiterKey, LoginLimiter } from "./login_limiter.ts";
export type { LoginCheck, LoginLimiterOptions } from "./login_limiter.ts";
