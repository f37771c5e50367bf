/**
 * Delivers to other servers over SMTP. Recipients are grouped by domain;
 * each group's next hop (route, smarthost or MX) is resolved, a pooled
 * connection is taken (opening one tries each address in turn), and the
 * message goes out in transactions of at most 100 recipients. Replies become
 * outcomes: 2xx delivered, 4xx and any connection/DNS trouble transient,
 * 5xx permanent, each with the remote host and its words for the DSN.
 */
import type { Logger } from "../log/mod.ts";
import {
  ClientPool,
  type ClientTimeouts,
  type Credentials,
  isPermanentRefusal,
  sendMessage,
  SmtpClient,
  SmtpClientError,
} from "../smtp_client/mod.ts";
import type { QueuedMessage } from "../spool/mod.ts";
import {
  type HopPlan,
  type NextHopOptions,
  NextHopResolver,
  planHop,
  type Target,
} from "./next_hop.ts";
import { HopRests } from "./hop_rests.ts";
import { outgoingMessage, withSuccessFacts } from "./dsn_relay.ts";
import { domainOf } from "./domain_turns.ts";
import { isResultWorthNextTarget, isWorthNextTarget, targetIndex } from "./hop_fallback.ts";
import { type Courier, type DeliveryOutcome, sameOutcome } from "./outcome.ts";
import { hopLoop, isLoginRefusal, withoutOwnListener } from "./hop_loop.ts";
import {
  asLoginWanted,
  failureOutcome,
  isStaleConnection,
  isTooManyRecipients,
  resultOutcome,
} from "./remote_outcomes.ts";

const MAX_RCPTS_PER_TRANSACTION = 100;

/** What the remote courier is built from. */
export interface RemoteCourierOptions extends NextHopOptions {
  /** Our name in EHLO. */
  ehloName: string;
  smarthostTls: "starttls" | "implicit" | "none";
  /** Check the smarthost's certificate (MX hosts are never checked: opportunistic TLS). */
  isSmarthostTlsVerified: boolean;
  smarthostCredentials: Credentials | null;
  /**
   * The smarthost login as it stands now (the password file may have changed),
   * asked for each new connection; without it `smarthostCredentials` is used.
   */
  smarthostLogin?: () => Promise<Credentials>;
  /** Send the credentials even without TLS (`--smarthost-insecure-auth`); else such a hop waits. */
  isSmarthostInsecureAuthAllowed?: boolean;
  log: Logger;
  pool?: ClientPool;
  timeouts?: Partial<ClientTimeouts>;
  /**
   * How long a hop that would not take a session rests before the next
   * connection to it (see HopRests); `--retry-min`, default 1 minute.
   */
  hopRestMs?: number;
}

/** The SMTP side of delivery. */
export class RemoteCourier implements Courier {
  readonly #options: RemoteCourierOptions;
  readonly #resolver: NextHopResolver;
  readonly #rests: HopRests;
  /** The address each client was opened to (for the next one after a deferral). */
  readonly #targetOf = new WeakMap<SmtpClient, Target>();
  readonly pool: ClientPool;

  constructor(options: RemoteCourierOptions) {
    this.#options = options;
    // This host goes by its EHLO name (--hostname) unless told more (RFC 5321 5.1 loops).
    this.#resolver = new NextHopResolver({ localNames: [options.ehloName], ...options });
    this.pool = options.pool ?? new ClientPool();
    this.#rests = new HopRests(options.hopRestMs ?? 60_000);
  }

  /** A domain's next hop, by its pool key: domains routed to one host share its connections. */
  destinationOf(domain: string): string {
    return planHop(domain, this.#options).key;
  }

  /** Ends every hop's rest: `queue retry --all` asks for every message to be tried now. */
  wake(): void {
    this.#rests.clearAll();
  }

  async deliver(
    message: QueuedMessage,
    rcpts: readonly string[],
  ): Promise<Map<string, DeliveryOutcome>> {
    const byDomain = Map.groupBy(rcpts, domainOf);
    const outcomes = new Map<string, DeliveryOutcome>();
    await Promise.all([...byDomain].map(async ([domain, group]) => {
      for (const [rcpt, outcome] of await this.#deliverToDomain(message, domain, group)) {
        outcomes.set(rcpt, outcome);
      }
    }));
    return outcomes;
  }

  /** Closes idle pooled connections (shutdown). */
  close(): Promise<void> {
    return this.pool.closeAll();
  }

  async #deliverToDomain(
    message: QueuedMessage,
    domain: string,
    rcpts: string[],
  ): Promise<Map<string, DeliveryOutcome>> {
    const plan = planHop(domain, this.#options);
    const refusal = this.#plaintextAuthRefusal(plan);
    if (refusal) return sameOutcome(rcpts, refusal);
    const resolution = await this.#resolver.resolve(plan);
    if (resolution.kind !== "targets") {
      return sameOutcome(rcpts, {
        kind: resolution.kind,
        reason: resolution.reason,
        status: resolution.status,
      });
    }
    const targets = withoutOwnListener(plan, resolution.targets, this.#options.isOwnListener);
    if (targets.length === 0) return sameOutcome(rcpts, hopLoop(plan, this.#options.log));
    const outcomes = new Map<string, DeliveryOutcome>();
    let pending = rcpts;
    while (pending.length > 0) {
      const chunk = pending.slice(0, MAX_RCPTS_PER_TRANSACTION);
      pending = pending.slice(MAX_RCPTS_PER_TRANSACTION);
      const results = await this.#transaction(message, plan, targets, chunk);
      if (plan.kind === "smarthost") {
        for (const [rcpt, outcome] of results) results.set(rcpt, asLoginWanted(outcome));
      }
      const isProgress = [...results.values()].some((outcome) => outcome.kind === "delivered");
      const overLimit: string[] = [];
      for (const [rcpt, outcome] of results) {
        // A server with a lower recipient limit than ours says so per RCPT (RFC 5321
        // 4.5.3.1.10): the rest go in the next transaction now, not at the next retry.
        if (isProgress && isTooManyRecipients(outcome)) overLimit.push(rcpt);
        else outcomes.set(rcpt, outcome);
      }
      pending = [...overLimit, ...pending];
    }
    return outcomes;
  }

  /**
   * One transaction for `rcpts`, then, for the recipients it deferred in a way
   * that another address may help with, one on each next address in turn
   * (see hop_fallback.ts). An address that cannot be reached leaves the
   * previous answer standing.
   */
  async #transaction(
    message: QueuedMessage,
    plan: HopPlan,
    targets: Target[],
    rcpts: string[],
  ): Promise<Map<string, DeliveryOutcome>> {
    const first = await this.#transactionOn(message, { plan, key: plan.key, targets, rcpts });
    const outcomes = first.outcomes;
    let nextRcpts = first.nextRcpts;
    let from = first.target;
    // Forward only, one address at a time: each fallback key holds connections to one address.
    const at = first.target ? targetIndex(targets, first.target) : -1;
    for (
      let i = at < 0 ? targets.length : at + 1;
      i < targets.length && nextRcpts.length > 0;
      i++
    ) {
      const next = targets[i]!;
      const deferred = outcomes.get(nextRcpts[0]!);
      this.#options.log.info("smtp.next_target", {
        qid: message.envelope.qid,
        hop: plan.key,
        remote: from ? `${from.name}[${from.address}]:${from.port}` : "",
        next: `${next.name}[${next.address}]:${next.port}`,
        rcpts: nextRcpts.length,
        reason: deferred && deferred.kind !== "delivered" ? deferred.reason : "",
      });
      // Its own pool key: the hop's idle connections lead to the address that deferred.
      const later = await this.#transactionOn(message, {
        plan,
        key: `${plan.key} via ${next.address}:${next.port}`,
        targets: [next],
        rcpts: nextRcpts,
        isFallback: true,
      });
      if (!later.target) continue; // not reached: the earlier words stand, the next is asked
      for (const [rcpt, outcome] of later.outcomes) outcomes.set(rcpt, outcome);
      ({ target: from, nextRcpts } = later);
    }
    return outcomes;
  }

  /**
   * One transaction on a connection of `key` (opened to the first of
   * `targets` that greets us). `target` is where it ran (null: no connection),
   * `nextRcpts` the recipients the next address may take instead.
   */
  async #transactionOn(
    message: QueuedMessage,
    run: { plan: HopPlan; key: string; targets: Target[]; rcpts: string[]; isFallback?: boolean },
  ): Promise<
    { outcomes: Map<string, DeliveryOutcome>; target: Target | null; nextRcpts: string[] }
  > {
    const { plan, key, targets, rcpts } = run;
    const qid = message.envelope.qid;
    const isFallback = run.isFallback ?? false;
    for (let attempt = 0;; attempt++) {
      let lease;
      try {
        lease = await this.pool.acquire(key, () => this.#open(plan, { targets, qid, isFallback }));
      } catch (error) {
        return {
          outcomes: sameOutcome(rcpts, failureOutcome(error, null)),
          target: null,
          nextRcpts: [],
        };
      }
      const { client, isReused } = lease;
      const target = this.#targetOf.get(client) ?? null;
      try {
        const results = await sendMessage(client, outgoingMessage(message, rcpts));
        const outcomes = new Map<string, DeliveryOutcome>();
        const nextRcpts: string[] = [];
        const hasDsn = client.extensions.hasDsn;
        for (const [rcpt, result] of results) {
          const outcome = resultOutcome(result, client.remoteMta);
          outcomes.set(rcpt, withSuccessFacts(outcome, { message, rcpt, result, hasDsn }));
          if (isResultWorthNextTarget(result)) nextRcpts.push(rcpt);
        }
        await this.pool.release(key, client);
        return { outcomes, target, nextRcpts };
      } catch (error) {
        const isClean = error instanceof SmtpClientError &&
          (error.kind === "refused" || error.kind === "reply");
        // A reused connection the server is done with: once more on a fresh one (the hop's other
        // idle ones are likely done too). One still open (4xx to MAIL) is quit, not handed on.
        const isStale = isReused && attempt === 0 && isStaleConnection(error);
        if (!isClean) client.abort();
        else if (isStale) await client.quit();
        await this.pool.release(key, client);
        if (isStale) {
          this.pool.closeIdle(key);
          this.#options.log.info("smtp.reconnect", {
            qid,
            hop: plan.key,
            remote: client.remoteMta,
            reason: error instanceof Error ? error.message : String(error),
          });
          continue;
        }
        const outcomes = sameOutcome(rcpts, failureOutcome(error, client.remoteMta));
        const isWorthNext = isWorthNextTarget(error);
        const nextRcpts = isWorthNext ? [...rcpts] : [];
        // Recipients refused before the session ended have their own answer.
        const refused = error instanceof SmtpClientError ? error.refusedRcpts : new Map();
        for (const [rcpt, reply] of refused) {
          const result = {
            isAccepted: false,
            reply,
            isPermanent: isPermanentRefusal(reply, "rcpt"),
          };
          outcomes.set(rcpt, resultOutcome(result, client.remoteMta));
          if (!isWorthNext || !isResultWorthNextTarget(result)) {
            nextRcpts.splice(nextRcpts.indexOf(rcpt), 1);
          }
        }
        return { outcomes, target, nextRcpts };
      }
    }
  }

  /**
   * Credentials never cross the wire in plaintext unless the operator said so:
   * with `--smarthost-tls=none` and a smarthost login, mail waits (transient)
   * and an error line tells the operator what to change.
   */
  #plaintextAuthRefusal(plan: HopPlan): DeliveryOutcome | null {
    const options = this.#options;
    const isPlaintextAuth = plan.kind === "smarthost" && options.smarthostTls === "none" &&
      options.smarthostCredentials !== null && !options.isSmarthostInsecureAuthAllowed;
    if (!isPlaintextAuth) return null;
    const reason = "Refusing to send the smarthost credentials without TLS " +
      "(--smarthost-tls=none): use starttls or implicit, or allow it with --smarthost-insecure-auth";
    options.log.error("smtp.auth_refused", { hop: plan.key, reason });
    return { kind: "transient", reason, status: "4.7.0" };
  }

  /**
   * Connects to the first target that greets us properly. A fallback (the
   * hop's earlier address took a session but deferred the mail) neither
   * waits for the hop's rest nor starts one: the hop is up.
   */
  async #open(
    plan: HopPlan,
    run: { targets: Target[]; qid: string; isFallback: boolean },
  ): Promise<SmtpClient> {
    const { targets, qid } = run;
    const isSmarthost = plan.kind === "smarthost";
    const options = this.#options;
    // Failed moments ago (RFC 5321 4.5.4.1): deferred with that failure, no connection.
    const resting = run.isFallback ? null : this.#rests.check(plan.key, Date.now());
    if (resting) throw resting;
    let lastError: unknown = new SmtpClientError("connect", "No address to connect to", {
      status: "4.4.1",
    });
    let isAnyTransient = false;
    const credentials = !isSmarthost || options.smarthostCredentials === null
      ? undefined
      : await options.smarthostLogin?.() ?? options.smarthostCredentials;
    for (const target of targets) {
      const tlsMode = !isSmarthost
        ? "opportunistic"
        : options.smarthostTls === "starttls"
        ? "required"
        : options.smarthostTls;
      const open = (mode: typeof tlsMode) =>
        SmtpClient.open({
          hostname: target.address,
          port: target.port,
          ehloName: options.ehloName,
          tlsMode: mode,
          isTlsVerified: isSmarthost && options.isSmarthostTlsVerified,
          tlsName: target.name,
          remoteName: target.name === target.address
            ? target.address
            : `${target.name} [${target.address}]`,
          credentials,
          timeouts: options.timeouts,
        });
      try {
        let client: SmtpClient;
        try {
          client = await open(tlsMode);
        } catch (error) {
          // Opportunistic TLS that fails is retried in plaintext (as other MTAs do).
          if (
            !(error instanceof SmtpClientError && error.kind === "tls" &&
              tlsMode === "opportunistic")
          ) {
            throw error;
          }
          // Said, so that a hop whose TLS keeps failing (or an attacker in the path) is seen.
          options.log.warn("smtp.tls_fallback", {
            qid,
            hop: plan.key,
            remote: `${target.name}[${target.address}]:${target.port}`,
            error: error.message,
          });
          client = await open("none");
        }
        options.log.info("smtp.connected", {
          qid,
          hop: plan.key,
          remote: `${target.name}[${target.address}]:${target.port}`,
          tls: client.tls?.protocol ?? "none",
        });
        this.#rests.clear(plan.key);
        this.#targetOf.set(client, target);
        return client;
      } catch (error) {
        // Report the most telling failure: one past the TCP connect beats a refused connect.
        const isConnectFailure = (e: unknown) =>
          e instanceof SmtpClientError && e.kind === "connect";
        if (!isConnectFailure(error) || isConnectFailure(lastError)) lastError = error;
        if (!(error instanceof SmtpClientError && error.isPermanent)) isAnyTransient = true;
        options.log.warn("smtp.connect_failed", {
          qid,
          hop: plan.key,
          remote: `${target.name}[${target.address}]:${target.port}`,
          error: error instanceof Error ? error.message : String(error),
        });
        // A login refused (5xx to AUTH) is refused by the smarthost, not by this address:
        // its other addresses would refuse it too, each refusal counting against the account.
        if (isLoginRefusal(error)) break;
      }
    }
    // One MX refusing for good (a 554 greeting) is not the domain's last word while another
    // only failed for now: the mail waits for that one (RFC 5321 5.1 asks to try them all).
    if (isAnyTransient && lastError instanceof SmtpClientError && lastError.isPermanent) {
      lastError = new SmtpClientError(lastError.kind, lastError.message, {
        status: `4${lastError.status.slice(1)}`,
        reply: lastError.reply,
        remoteMta: lastError.remoteMta,
      });
    }
    if (lastError instanceof SmtpClientError && !lastError.isPermanent && !run.isFallback) {
      this.#rests.note(plan.key, lastError, Date.now());
    }
    throw lastError;
  }
}
