/** The version printed by `pillarbox version` and the status page. */
export const VERSION = "0.1.0";
