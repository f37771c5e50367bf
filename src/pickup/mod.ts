/** Local submission: the pickup folder and the path `pillarbox sendmail` shares with it. */
export { PickupWatcher } from "./pickup_watcher.ts";
export type { PickupOptions } from "./pickup_watcher.ts";
export { resolveLocalRecipients, submitLocal } from "./submit.ts";
export type { LocalSubmission, SubmitOptions } from "./submit.ts";
