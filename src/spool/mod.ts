/** The durable queue: the one way in (`Spool.accept`) and what the delivery runner reads. */
export { Spool } from "./spool.ts";
export { HELD_PREFIX } from "./spool_types.ts";
export type { ImmediateDelivery } from "./spool_types.ts";
export type { AcceptRequest, EnvelopeDraft, QueuedMessage } from "./spool_types.ts";
export { concat, MessageBuffer } from "./message_buffer.ts";
export { decodeQueueFile, encodeEnvelopeLine, QueueFileError } from "./envelope.ts";
export type { Envelope, MessageSource } from "./envelope.ts";
export { dirSyncsInFlight, syncDir, syncDirSoon } from "./dir_sync.ts";
export {
  discardFresh,
  writeFileAtomic,
  writeFileDurably,
  writeFreshFileDurably,
} from "./durable_file.ts";
export { SpareFiles } from "./spare_files.ts";
export { flush, flushInlineWhen } from "./flush.ts";
export { failedDir, moveToFailed } from "./failed_folder.ts";
export { deleteQueueFile, holdForAttempt } from "./attempt_lock.ts";
export type { HeldQueueFile, QueueFileDeletion } from "./attempt_lock.ts";
export { requestWake, takeWakeRequests, WAKE_ALL } from "./wake.ts";
export { lockSpoolForServer, SERVER_LOCK_NAME, SpoolInUseError } from "./server_lock.ts";
export type { ServerLock } from "./server_lock.ts";
export { BIG_FILE_BYTES, readSameFile, readWholeFile } from "./read_whole_file.ts";
export { isStorageFull } from "./storage_full.ts";
export { pathExists } from "./path_exists.ts";
export { giveTo, giveToSync, LinkedFolderError, ownerToGive } from "./ownership.ts";
export type { FileOwner } from "./ownership.ts";
export { asksForSuccess, originalRecipientOf, wantsNotice } from "./dsn_requests.ts";
export type { RequestedNotice } from "./dsn_requests.ts";
