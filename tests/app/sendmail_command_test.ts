/** `pillarbox sendmail`'s options, as local programs write them (sendmail and Postfix use getopt). */
import assert from "node:assert/strict";
import { parseSendmailArgs, type SendmailArgs } from "../../src/app/sendmail_command.ts";

const parsed: Array<[string, string[], Partial<SendmailArgs>]> = [
  ["parseSendmailArgs() reads -t and -i apart", ["-t", "-i", "bob"], {
    isExtractingRecipients: true,
    isDotEnding: false,
    rcpts: ["bob"],
  }],
  ["parseSendmailArgs() reads -ti as -t -i (getopt clusters, exim's -ti)", ["-ti"], {
    isExtractingRecipients: true,
    isDotEnding: false,
    rcpts: [],
  }],
  ["parseSendmailArgs() reads -it as -i -t", ["-it"], {
    isExtractingRecipients: true,
    isDotEnding: false,
  }],
  ["parseSendmailArgs() reads a value glued after a cluster (-tfroot)", ["-tfroot", "x"], {
    isExtractingRecipients: true,
    isDotEnding: true,
    sender: "root",
    rcpts: ["x"],
  }],
  ["parseSendmailArgs() reads a cluster's value from the next word (-tf root)", ["-tf", "root"], {
    isExtractingRecipients: true,
    sender: "root",
    rcpts: [],
  }],
  ["parseSendmailArgs() still reads -oi as -i", ["-oi", "-oem", "bob"], {
    isExtractingRecipients: false,
    isDotEnding: false,
    rcpts: ["bob"],
  }],
  ["parseSendmailArgs() reads -F's full name and ignores -odi", ["-FCron Daemon", "-odi", "bob"], {
    isDotEnding: true,
    sender: undefined,
    fullName: "Cron Daemon",
    rcpts: ["bob"],
  }],
  ["parseSendmailArgs() reads -f with the next word", ["-f", "alice@example.test", "bob"], {
    sender: "alice@example.test",
    rcpts: ["bob"],
  }],
  ["parseSendmailArgs() reads -r as -f (the older name of the sender option)", [
    "-r",
    "alice@example.test",
    "bob",
  ], {
    sender: "alice@example.test",
    rcpts: ["bob"],
  }],
  ["parseSendmailArgs() reads a lone '-' as the first recipient word", ["-", "bob"], {
    rcpts: ["-", "bob"],
  }],
  ["parseSendmailArgs() accepts -bm", ["-bm", "bob"], { rcpts: ["bob"], isSmtpMode: false }],
  // Symfony Mailer's and Laravel's default command: `/usr/sbin/sendmail -bs` (Laravel adds -i).
  ["parseSendmailArgs() reads -bs as SMTP on stdin", ["-bs", "-i"], { isSmtpMode: true }],
  // ppp's ip-up and admins' scripts run `sendmail -q` to flush the queue (Postfix: postqueue -f).
  ["parseSendmailArgs() reads -q as a queue run, taking no next word", ["-q"], {
    isQueueRun: true,
    rcpts: [],
  }],
  ["parseSendmailArgs() reads -q with a glued interval as a queue run", ["-q30m"], {
    isQueueRun: true,
  }],
  // The README's /usr/sbin/sendmail script passes these on as they come.
  ["parseSendmailArgs() takes what cron passes (Debian's cron: -FCronDaemon -i -B8BITMIME -oem)", [
    "-FCronDaemon",
    "-i",
    "-B8BITMIME",
    "-oem",
    "root",
  ], { isExtractingRecipients: false, isDotEnding: false, sender: undefined, rcpts: ["root"] }],
];
for (const [name, words, expected] of parsed) {
  Deno.test(name, () => {
    const args = parseSendmailArgs(words);
    assert.ok(typeof args !== "string", String(args));
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual(args[key as keyof SendmailArgs], value, key);
    }
  });
}

const refused: Array<[string, string[], RegExp]> = [
  ["parseSendmailArgs() refuses another mode (-bp)", ["-bp"], /Unsupported mode "-bp"/],
  ["parseSendmailArgs() refuses an unknown letter in a cluster", ["-tZ"], /Unknown option "-Z"/],
  ["parseSendmailArgs() refuses -f without a value", ["-f"], /Option -f needs a value/],
];
for (const [name, words, message] of refused) {
  Deno.test(name, () => {
    const args = parseSendmailArgs(words);
    assert.equal(typeof args, "string");
    assert.match(args as string, message);
  });
}
