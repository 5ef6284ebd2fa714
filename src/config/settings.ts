// The EB_MIGRATE_* settings: one table of names, flags, defaults and validators; resolved and
// checked before anything else happens (a bad value is exit 2 with nothing written or run).
import { parse as parseShellWords } from "shell-quote";
import { closest } from "../cli/did-you-mean.js";
import { ConfigError } from "../cli/errors.js";
import type { LogFormat } from "../cli/log.js";
import { NOTIFY_ALLOWED, parseNotifyTargets, publicNotifyValue, webhookSecrets, type NotifyOn, type NotifyTarget } from "../notify/targets.js";
import { defaultKillGraceMs, fenceFits, fenceMarginMs, minimumFenceAfterMs, minimumLeaseSeconds } from "../election/fence.js";
import { commandSecrets, createRedactor, redactCommand, type Redactor } from "../release/redact.js";
import { truncateBytes } from "../runtime/truncate.js";
import { IMAGE_ALLOWED, templateProblem } from "../ecs/image-reference.js";

export const DEFAULT_COMMAND = "python manage.py migrate --noinput";
export const DEFAULT_TABLE = "eb-migrate";
export const DEFAULT_LEASE_SECONDS = 30;
/** Below EB's default 600 s command timeout, so our own message wins over EB's kill. */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 540;

export type Mode = "local" | "ecs";
export type Fallback = "oldest-instance" | "off";
export type DbLock = "auto" | "on" | "off";

export interface CapacityProviderItem {
  capacityProvider: string;
  weight?: number;
  base?: number;
}

/** EB_MIGRATE_COMMAND and EB_MIGRATE_SHELL, shaped once (releaseCommand) for every caller. */
export interface ReleaseCommand {
  /** What runs on an instance: the command line's words, or with `shell` /bin/sh -c and the line. */
  argv: string[];
  /** The command line as given. */
  text: string;
  /** The command as logged, stored and shown: secrets masked, cut to COMMAND_SHOWN_BYTES. */
  redactedText: string;
  /** EB_MIGRATE_SHELL: `text` is a shell line (`argv` runs it through /bin/sh; an ECS task through sh). */
  shell: boolean;
}

export interface Settings {
  command: ReleaseCommand;
  mode: Mode;
  table: string;
  leaseSeconds: number;
  /** SIGTERM → SIGKILL grace for the command's process group; the fence leaves room for it. */
  killGraceMs: number;
  waitTimeoutSeconds: number;
  fallback: Fallback;
  disabled: boolean;
  /** EB_MIGRATE_EARLY_SKIP: `run` may answer "already released" before loading the SDK (src/early/). */
  earlySkip: boolean;
  /** The database lock around the command: auto = for Django migrate only (see release/db-lock/). */
  dbLock: DbLock;
  /** The Django DATABASES alias the lock is taken on. */
  dbAlias: string;
  logFormat: LogFormat;
  debug: boolean;
  notify: { targets: NotifyTarget[]; on: NotifyOn };
  ecs: {
    cluster?: string;
    taskDefinition?: string;
    /** EB_MIGRATE_ECS_IMAGE: the image template ({version_label}, {deployment_id}, {environment}). */
    image?: string;
    container?: string;
    subnets: string[];
    securityGroups: string[];
    assignPublicIp?: "ENABLED" | "DISABLED";
    launchType?: "FARGATE" | "EC2" | "EXTERNAL";
    capacityProviderStrategy: CapacityProviderItem[];
    platformVersion?: string;
  };
}

type Raw = string;
type Parsed = string | number | boolean | string[] | CapacityProviderItem[] | NotifyTarget[] | undefined;

export interface SettingSpec {
  /** Suffix after EB_MIGRATE_ (the environment property) and the kebab-case flag. */
  name: string;
  flag: string;
  default: string | undefined;
  /** What is allowed, as shown in the error message and the README's table. */
  allowed: string;
  description: string;
  parse(raw: Raw): Parsed | Invalid;
  /** How a value may be shown in an error (a value holding secrets never whole). */
  display?(raw: Raw): string;
}

class Invalid {
  constructor(readonly reason?: string) {}
}

/**
 * A whole number written as digits only (no sign, point, exponent or spaces) within the range,
 * or undefined. Every setting and flag that takes a whole number reads it with this.
 */
export function parseWholeNumber(text: string, range: WholeNumberRange = {}): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= (range.min ?? 0) && n <= (range.max ?? Number.POSITIVE_INFINITY) ? n : undefined;
}

export interface WholeNumberRange {
  min?: number;
  max?: number;
  /** What it counts, as the message says it ("milliseconds"). */
  unit?: string;
}

/** "a whole number of milliseconds", "… from 0 to 65535", "… of at least 1". */
function wholeNumberAllowed({ min, max, unit }: WholeNumberRange): string {
  const bounds = max !== undefined ? `from ${min ?? 0} to ${max}` : min ? `of at least ${min}` : undefined;
  return ["a whole number", unit ? `of ${unit}` : undefined, bounds].filter((part) => part !== undefined).join(" ");
}

/**
 * A command-line flag's whole number (parseWholeNumber), undefined when the flag is absent;
 * anything else is a ConfigError `--flag="value" is not valid: expected a whole number …`.
 */
export function wholeNumberFlag(flag: string, raw: string | boolean | undefined, range: WholeNumberRange = {}): number | undefined {
  if (raw === undefined) return undefined;
  const n = typeof raw === "string" ? parseWholeNumber(raw, range) : undefined;
  if (n === undefined) throw new ConfigError(`--${flag}=${JSON.stringify(raw)} is not valid: expected ${wholeNumberAllowed(range)}`);
  return n;
}

/** A whole-number setting: what is allowed and its parser (spaces around the digits allowed). */
const int = (min: number, max: number): Pick<SettingSpec, "allowed" | "parse"> => ({
  allowed: wholeNumberAllowed({ min, max }),
  parse: (raw) => parseWholeNumber(raw.trim(), { min, max }) ?? new Invalid(),
});
/** Seconds with up to three decimals, as milliseconds. */
const seconds = (min: number, max: number) => (raw: Raw) => {
  if (!/^\d+(\.\d{1,3})?$/.test(raw.trim())) return new Invalid();
  const n = Number(raw.trim());
  return n >= min && n <= max ? Math.round(n * 1000) : new Invalid();
};
const oneOf =
  <T extends string>(...values: T[]) =>
  (raw: Raw) => {
    const v = raw.trim();
    return (values as string[]).includes(v) ? v : (values as string[]).includes(v.toLowerCase()) ? v.toLowerCase() : new Invalid();
  };
const bool = (raw: Raw) => {
  const v = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["", "0", "false", "no", "off"].includes(v)) return false;
  return new Invalid();
};
const nonEmpty = (raw: Raw) => (raw.trim() === "" ? new Invalid() : raw.trim());
const list = (pattern: RegExp) => (raw: Raw) => {
  const items = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const bad = items.find((s) => !pattern.test(s));
  return bad === undefined ? items : new Invalid(`"${bad}" does not look right`);
};
const capacityProviders = (raw: Raw) => {
  const out: CapacityProviderItem[] = [];
  for (const part of raw.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [name, weight, base, extra] = part.split(":");
    if (!name || extra !== undefined) return new Invalid(`"${part}" is not provider[:weight[:base]]`);
    const item: CapacityProviderItem = { capacityProvider: name };
    for (const [key, value] of [["weight", weight], ["base", base]] as const) {
      if (value === undefined) continue;
      const n = parseWholeNumber(value);
      if (n === undefined) return new Invalid(`"${part}" has a ${key} that is not a whole number`);
      item[key] = n;
    }
    out.push(item);
  }
  return out;
};

export const SETTINGS: readonly SettingSpec[] = [
  { name: "COMMAND", flag: "command", default: DEFAULT_COMMAND, allowed: "a command line", description: "The release command. Run as an argv (no shell) unless EB_MIGRATE_SHELL is true.", parse: nonEmpty },
  { name: "SHELL", flag: "shell", default: "false", allowed: "true or false", description: "Run the command through /bin/sh -c (pipes, &&, variables).", parse: bool },
  { name: "MODE", flag: "mode", default: "local", allowed: "local or ecs", description: "local: the leader runs the command itself; ecs: the leader runs it as a one-off ECS task.", parse: oneOf("local", "ecs") },
  { name: "TABLE", flag: "table", default: DEFAULT_TABLE, allowed: "a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)", description: "The DynamoDB table holding the lease and the release records.", parse: (raw) => (/^[A-Za-z0-9_.-]{3,255}$/.test(raw.trim()) ? raw.trim() : new Invalid()) },
  { name: "LEASE_SECONDS", flag: "lease-seconds", default: String(DEFAULT_LEASE_SECONDS), ...int(3, 3600), description: "How long a lease that is no longer renewed is respected before another instance takes over. The holder renews it every 2 s (every third of a shorter lease) and stops its command once renewals have failed for the lease less the kill grace and a margin." },
  { name: "KILL_GRACE_SECONDS", flag: "kill-grace-seconds", default: undefined, allowed: "a number of seconds from 0.1 to 600 (e.g. 2.5)", description: "How long the command may take to exit after SIGTERM (when the leader must stop it) before its whole process group is killed. Default: a tenth of the lease, at most 5 s. Must fit in the lease.", parse: seconds(0.1, 600) },
  { name: "WAIT_TIMEOUT_SECONDS", flag: "wait-timeout-seconds", default: String(DEFAULT_WAIT_TIMEOUT_SECONDS), ...int(1, 86400), description: "How long any instance waits for the release (followers) or the command (leader) before exit 3. Keep it below EB's command timeout (600 s by default)." },
  { name: "FALLBACK", flag: "fallback", default: "oldest-instance", allowed: "oldest-instance or off", description: "When the table cannot be used: the oldest InService instance of the Auto Scaling group runs the command, or (off) every instance exits 4.", parse: oneOf("oldest-instance", "off") },
  { name: "EARLY_SKIP", flag: "early-skip", default: "true", allowed: "true or false", description: "`run` first asks, without loading the AWS SDK, whether this deployment is already released (IMDS and one signed GetItem); when it is, it exits 0 at once, otherwise (or on anything unusual) the full path runs. false: always the full path.", parse: bool },
  { name: "DISABLED", flag: "disabled", default: "false", allowed: "true or false", description: "Skip everything and exit 0 (an escape hatch for one deployment).", parse: bool },
  { name: "DB_LOCK", flag: "db-lock", default: "auto", allowed: "auto, on or off", description: "Run the command holding a database lock taken through Django's connection (PostgreSQL advisory lock, MySQL GET_LOCK), so no two migrations touch one database at once. auto: for `<python> manage.py migrate …` only; on: for any command (it runs as a child of the lock holder). In ecs mode the lock is taken inside the task.", parse: oneOf("auto", "on", "off") },
  { name: "DB_ALIAS", flag: "db-alias", default: "default", allowed: "a key of Django's DATABASES", description: "The database the lock is taken on; point it at a direct connection when the default one goes through PgBouncer in transaction mode.", parse: (raw) => (/^[A-Za-z0-9_.-]+$/.test(raw.trim()) ? raw.trim() : new Invalid()) },
  { name: "LOG_FORMAT", flag: "log-format", default: "text", allowed: "text or json", description: "Log lines as text or as JSON lines.", parse: oneOf("text", "json") },
  { name: "DEBUG", flag: "debug", default: "false", allowed: "true or false", description: "Also log every decision and AWS call.", parse: bool },
  { name: "ECS_CLUSTER", flag: "ecs-cluster", default: undefined, allowed: "a cluster name or ARN", description: "ecs mode: the cluster to run the task in.", parse: nonEmpty },
  { name: "ECS_TASK_DEFINITION", flag: "ecs-task-definition", default: undefined, allowed: "family, family:revision or an ARN", description: "ecs mode: the task definition (eb-migrate registers a revision of it only with EB_MIGRATE_ECS_IMAGE).", parse: nonEmpty },
  { name: "ECS_IMAGE", flag: "ecs-image", default: undefined, allowed: IMAGE_ALLOWED, description: "ecs mode: the image the task runs for this deployment. When the container's image differs, the leader registers a revision of the family that differs only in that image (never in environment or secrets).", parse: (raw) => { const problem = templateProblem(raw); return problem ? new Invalid(problem) : raw.trim(); } },
  { name: "ECS_CONTAINER", flag: "ecs-container", default: undefined, allowed: "a container name", description: "ecs mode: the container that runs the command (default: the essential one).", parse: nonEmpty },
  { name: "ECS_SUBNETS", flag: "ecs-subnets", default: "", allowed: "comma-separated subnet-… ids", description: "ecs mode (awsvpc): subnets for the task.", parse: list(/^subnet-[0-9a-zA-Z]+$/) },
  { name: "ECS_SECURITY_GROUPS", flag: "ecs-security-groups", default: "", allowed: "comma-separated sg-… ids", description: "ecs mode (awsvpc): security groups for the task.", parse: list(/^sg-[0-9a-zA-Z]+$/) },
  { name: "ECS_ASSIGN_PUBLIC_IP", flag: "ecs-assign-public-ip", default: undefined, allowed: "ENABLED or DISABLED", description: "ecs mode (awsvpc): whether the task gets a public IP.", parse: (raw) => { const v = raw.trim().toUpperCase(); return v === "ENABLED" || v === "DISABLED" ? v : new Invalid(); } },
  { name: "ECS_LAUNCH_TYPE", flag: "ecs-launch-type", default: undefined, allowed: "FARGATE, EC2 or EXTERNAL", description: "ecs mode: launch type (or give a capacity provider strategy instead).", parse: (raw) => { const v = raw.trim().toUpperCase(); return v === "FARGATE" || v === "EC2" || v === "EXTERNAL" ? v : new Invalid(); } },
  { name: "ECS_CAPACITY_PROVIDER_STRATEGY", flag: "ecs-capacity-provider-strategy", default: "", allowed: "provider[:weight[:base]],…", description: "ecs mode: capacity provider strategy, e.g. FARGATE_SPOT:3,FARGATE:1:1.", parse: capacityProviders },
  { name: "NOTIFY", flag: "notify", default: "", allowed: NOTIFY_ALLOWED, description: "Where the leader reports the release (once per release): SNS topics and Slack-compatible webhooks. Webhook URLs are secrets and are never logged whole.", parse: (raw) => { const r = parseNotifyTargets(raw); return Array.isArray(r) ? r : new Invalid(r.invalid); }, display: publicNotifyValue },
  { name: "NOTIFY_ON", flag: "notify-on", default: "failure", allowed: "failure or always", description: "Notify on a failed release only, or on every release the leader ran.", parse: oneOf("failure", "always") },
  { name: "ECS_PLATFORM_VERSION", flag: "ecs-platform-version", default: undefined, allowed: "a Fargate platform version", description: "ecs mode (Fargate): platform version, e.g. LATEST.", parse: nonEmpty },
];

/** Environment variables read by eb-migrate that are not settings of the release. */
export const OTHER_VARIABLES = ["EB_MIGRATE_ROOT", "EB_MIGRATE_DEMO_PYTHON"] as const;

export const ENV_PREFIX = "EB_MIGRATE_";

/** A setting's value quoted in a message is cut to this (a 100 KB value must not flood the log). */
const VALUE_IN_MESSAGE_BYTES = 200;
/** The command text in the log and the release record. */
export const COMMAND_SHOWN_BYTES = 1000;

/** A value as quoted in a message: JSON-quoted, cut. */
function quoted(raw: string): string {
  return JSON.stringify(truncateBytes(raw, VALUE_IN_MESSAGE_BYTES));
}

export type FlagValues = Record<string, string | boolean | undefined>;

/**
 * Settings from environment properties, overridden by CLI flags. Every problem is found
 * before anything runs; the first one is thrown as a ConfigError naming setting, value and
 * what is allowed.
 */
export function resolveSettings(env: NodeJS.ProcessEnv, flags: FlagValues = {}): Settings {
  const known = new Set([...SETTINGS.map((s) => ENV_PREFIX + s.name), ...OTHER_VARIABLES]);
  for (const key of Object.keys(env)) {
    if (key.startsWith(ENV_PREFIX) && !known.has(key)) {
      const hint = closest(key, [...known]);
      throw new ConfigError(`${truncateBytes(key, VALUE_IN_MESSAGE_BYTES)} is not an eb-migrate setting${hint ? ` (did you mean ${hint}?)` : ""}; remove or rename it`);
    }
  }
  const values = new Map<string, Parsed>();
  for (const spec of SETTINGS) {
    const flag = flags[spec.flag];
    const fromFlag = flag !== undefined;
    const raw = fromFlag ? (typeof flag === "boolean" ? String(flag) : flag) : env[ENV_PREFIX + spec.name] ?? spec.default;
    if (raw === undefined) {
      values.set(spec.name, undefined);
      continue;
    }
    const parsed = spec.parse(raw);
    if (parsed instanceof Invalid) {
      const where = fromFlag ? `--${spec.flag}` : `${ENV_PREFIX}${spec.name}`;
      const reason = parsed.reason ? ` (${truncateBytes(parsed.reason, VALUE_IN_MESSAGE_BYTES)})` : "";
      throw new ConfigError(`${where}=${quoted(spec.display ? spec.display(raw) : raw)} is not valid${reason}: expected ${spec.allowed}`);
    }
    values.set(spec.name, parsed);
  }
  const get = <T extends Parsed>(name: string) => values.get(name) as T;
  const settings: Settings = {
    command: releaseCommand(get<string>("COMMAND"), get<boolean>("SHELL"), env),
    mode: get<Mode>("MODE"),
    table: get<string>("TABLE"),
    leaseSeconds: get<number>("LEASE_SECONDS"),
    killGraceMs: get<number | undefined>("KILL_GRACE_SECONDS") ?? defaultKillGraceMs(get<number>("LEASE_SECONDS")),
    waitTimeoutSeconds: get<number>("WAIT_TIMEOUT_SECONDS"),
    fallback: get<Fallback>("FALLBACK"),
    disabled: get<boolean>("DISABLED"),
    earlySkip: get<boolean>("EARLY_SKIP"),
    dbLock: get<DbLock>("DB_LOCK"),
    dbAlias: get<string>("DB_ALIAS"),
    logFormat: get<LogFormat>("LOG_FORMAT"),
    debug: get<boolean>("DEBUG"),
    notify: { targets: get<NotifyTarget[]>("NOTIFY"), on: get<NotifyOn>("NOTIFY_ON") },
    ecs: {
      cluster: get<string | undefined>("ECS_CLUSTER"),
      taskDefinition: get<string | undefined>("ECS_TASK_DEFINITION"),
      image: get<string | undefined>("ECS_IMAGE"),
      container: get<string | undefined>("ECS_CONTAINER"),
      subnets: get<string[]>("ECS_SUBNETS"),
      securityGroups: get<string[]>("ECS_SECURITY_GROUPS"),
      assignPublicIp: get<"ENABLED" | "DISABLED" | undefined>("ECS_ASSIGN_PUBLIC_IP"),
      launchType: get<"FARGATE" | "EC2" | "EXTERNAL" | undefined>("ECS_LAUNCH_TYPE"),
      capacityProviderStrategy: get<CapacityProviderItem[]>("ECS_CAPACITY_PROVIDER_STRATEGY"),
      platformVersion: get<string | undefined>("ECS_PLATFORM_VERSION"),
    },
  };
  checkCombinations(settings);
  return settings;
}

function checkCombinations(s: Settings): void {
  if (s.waitTimeoutSeconds <= s.leaseSeconds) {
    throw new ConfigError(
      `EB_MIGRATE_WAIT_TIMEOUT_SECONDS=${s.waitTimeoutSeconds} must be greater than EB_MIGRATE_LEASE_SECONDS=${s.leaseSeconds}, or a follower gives up before it may take over a lost lease`,
    );
  }
  if (!fenceFits(s.leaseSeconds, s.killGraceMs)) {
    const minimum = minimumLeaseSeconds(s.killGraceMs);
    throw new ConfigError(
      `EB_MIGRATE_LEASE_SECONDS=${s.leaseSeconds} is too short for a kill grace of ${s.killGraceMs / 1000} s: the leader's command must be dead within one lease of its last renewal — two renewal intervals (${minimumFenceAfterMs(s.leaseSeconds) / 1000} s) before it is stopped, the ${s.killGraceMs / 1000} s grace, a ${fenceMarginMs(s.leaseSeconds) / 1000} s margin; set EB_MIGRATE_LEASE_SECONDS to at least ${minimum ?? "(none fits)"} or a shorter EB_MIGRATE_KILL_GRACE_SECONDS`,
    );
  }
  if (s.ecs.launchType && s.ecs.capacityProviderStrategy.length > 0) {
    throw new ConfigError("EB_MIGRATE_ECS_LAUNCH_TYPE and EB_MIGRATE_ECS_CAPACITY_PROVIDER_STRATEGY exclude each other (as in RunTask); set only one");
  }
}

/**
 * The release command from its text and EB_MIGRATE_SHELL; the text is masked for the secrets
 * of `env` (and those written into it). A command line that is no argv (unterminated quote,
 * shell syntax without EB_MIGRATE_SHELL, empty) is a ConfigError.
 */
export function releaseCommand(text: string, shell: boolean, env: NodeJS.ProcessEnv = {}): ReleaseCommand {
  const redact = createRedactor(env);
  return {
    argv: shell ? ["/bin/sh", "-c", text] : splitCommand(text, redact),
    text,
    redactedText: truncateBytes(redactCommand(text, redact), COMMAND_SHOWN_BYTES),
    shell,
  };
}

/**
 * What masks the leader's output and the outcome it stores and sends: the secrets of `env`,
 * those written into the command, and the webhook URLs (a command that prints its environment
 * must not leak them).
 */
export function releaseRedactor(env: NodeJS.ProcessEnv, settings: Pick<Settings, "command" | "notify">): Redactor {
  return createRedactor(env, [...commandSecrets(settings.command.text), ...webhookSecrets(settings.notify.targets)]);
}

/**
 * Splits a command line into an argv like a POSIX shell would, refusing shell operators and
 * unterminated quotes (shell-quote accepts `echo 'abc` silently and runs something else).
 */
export function splitCommand(text: string, redact: (s: string) => string = (s) => s): string[] {
  const shown = () => quoted(redactCommand(text, redact));
  const unbalanced = unterminatedQuote(text);
  if (unbalanced) {
    throw new ConfigError(
      `EB_MIGRATE_COMMAND=${shown()} ${unbalanced.problem}`,
    );
  }
  const parts = parseShellWords(text, (name) => `$${name}`);
  const argv: string[] = [];
  for (const part of parts) {
    if (typeof part === "string") argv.push(part);
    else if ("op" in part && part.op === "glob") argv.push(part.pattern);
    else {
      throw new ConfigError(
        `EB_MIGRATE_COMMAND=${shown()} uses shell syntax (${"op" in part ? part.op : "comment"}); set EB_MIGRATE_SHELL=true to run it through /bin/sh`,
      );
    }
  }
  if (argv.length === 0) throw new ConfigError(`EB_MIGRATE_COMMAND is empty: expected a command line`);
  return argv;
}

/** What a POSIX shell would find unterminated (a quote, a trailing backslash), with its 1-based position. */
export function unterminatedQuote(text: string): { problem: string; position: number } | undefined {
  let open: { quote: string; at: number } | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (open?.quote === "'") {
      if (c === "'") open = undefined;
    } else if (open?.quote === '"') {
      if (c === "\\") i++;
      else if (c === '"') open = undefined;
    } else if (c === "\\") {
      if (i === text.length - 1) return { problem: `ends with a backslash (character ${i + 1}) that escapes nothing; remove it or quote it`, position: i + 1 };
      i++;
    } else if (c === "'" || c === '"') {
      open = { quote: c, at: i };
    }
  }
  if (!open) return undefined;
  const name = open.quote === "'" ? "single quote (')" : 'double quote (")';
  return { problem: `has a ${name} at character ${open.at + 1} that is never closed; close it, or escape it with a backslash`, position: open.at + 1 };
}
