// How the release command runs: the one interface the modes (local.ts, ecs.ts) share. `run`,
// `release --env` and the runner ask the mode, never `settings.mode`, so another way to run the
// command is one more file here, its entry in index.ts, and its settings.
import type { AwsClients } from "../../aws/clients.js";
import type { Logger } from "../../cli/log.js";
import type { Settings } from "../../config/settings.js";
import type { Deployment, Identity } from "../../instance/types.js";
import type { Clock } from "../../runtime/clock.js";
import type { Execute, ExecutionResult } from "../execution.js";
import type { Redactor } from "../redact.js";

export interface ModeContext {
  settings: Settings;
  clients: AwsClients;
  identity: Identity;
  deployment: Deployment;
  clock: Clock;
  log: Logger;
  /** SIGTERM/SIGINT of this process (reason = the signal's name). */
  signal: AbortSignal;
  /**
   * `run` on an instance: the app, its environment and EB_MIGRATE_ROOT, and the bundle that
   * supervises a local command. Absent from outside (`release --env`).
   */
  instance?: { cwd: string; env: NodeJS.ProcessEnv; root: string; redact: Redactor; supervisor?: { execPath: string; script: string } };
}

export interface ReleaseMode {
  /** EB_MIGRATE_MODE's value. */
  readonly name: Settings["mode"];
  /** Setting combinations this mode refuses before anything runs (ConfigError, exit 2). */
  checkSettings(settings: Settings): void;
  /**
   * Once the release record shows there is something to do, before any lease write: what can be
   * refused without running anything (the command's interpreter, the database lock's plan), then
   * how the leader runs the command. An instance whose release is done never calls it.
   */
  prepare(context: ModeContext): Promise<Execute>;
  /**
   * Where `release --env` runs it from outside the environment: "here" (through the lease, from
   * this machine), or "instance" (`run --now` on one of the environment's instances, over SSM).
   */
  readonly onDemand: "here" | "instance";
  /** How the leader's log line names what it starts: "command", "ECS task". */
  readonly runs: string;
  /** The failure reason's subject: the command line, or the task with its ARN. */
  subject(settings: Settings, result: ExecutionResult): string;
  /** What a follower's progress line says is running ("migrate", "migrate task"). */
  progressName(settings: Settings): string;
}

/** `python manage.py migrate` → "migrate"; else the program's name (shared by the modes' progress lines). */
export function commandName(settings: Settings): string {
  const { argv, text, shell } = settings.command;
  const words = (shell ? text : argv.join(" ")).split(/\s+/);
  return words.includes("migrate") ? "migrate" : (words[0] ?? "command").split("/").pop() ?? "command";
}
