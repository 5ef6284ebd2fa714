// Runs the release command on this instance: argv (or /bin/sh -c), in the hook's working
// directory, in a process group of its own (under the supervisor, which leads it), output
// streamed line by line (redacted, capped). The whole group is stopped — SIGTERM, SIGKILL after
// the fence's grace — on timeout, on SIGTERM/SIGINT (recorded) and when the fence fires; the
// result comes only once no process of the group runs any more.
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { constants } from "node:os";
import { resolve as resolvePath } from "node:path";
import type { FenceView } from "../election/fence.js";
import type { Clock } from "../runtime/clock.js";
import { truncateBytes } from "../runtime/truncate.js";
import { OUTPUT_TAIL_LINES, type ExecutionHooks, type ExecutionResult } from "./execution.js";
import { LineSplitter, outputLine, Tail } from "./output-tail.js";
import { groupAlive, stopGroup } from "./process-group.js";
import type { Redactor } from "./redact.js";
import { onPath } from "./resolve-command.js";
import { deadlineMessage, hostMonotonicMs } from "./supervise.js";

export type SpawnFn = (command: string, args: string[], options: SpawnOptions) => ChildProcess;

/** SIGTERM → SIGKILL grace without a fence (the fallback election has no lease to protect). */
export const DEFAULT_KILL_GRACE_MS = 5_000;
/** After the group is gone, how long its output pipes may take to deliver the last bytes. */
const DRAIN_MS = 1_000;
/** PATH as quoted in a message. */
const PATH_IN_MESSAGE_BYTES = 500;

export interface LocalCommandInput {
  /** What to run (in shell mode the release command's ["/bin/sh", "-c", line]). */
  argv: string[];
  /** Whether argv is the shell running the command line (an exit 127 then names PATH). */
  shell: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** Monotonic time after which the command is stopped and the result marked timed out. */
  deadline: number;
  /** SIGTERM/SIGINT of this process (reason = signal name). */
  signal: AbortSignal;
  /** The leader's fence: its signal stops the command; its deadline goes to the supervisor. */
  fence?: FenceView;
  hooks: ExecutionHooks;
  redact: Redactor;
  /**
   * Run the command under a supervisor process (`node <bundle> __supervise -- argv`) that stops
   * its group when this process dies (even by SIGKILL) or stops sending renewed deadlines
   * (paused) — so a dead or frozen leader leaves no command running beside its successor's.
   */
  supervisor?: { execPath: string; script: string };
  spawn?: SpawnFn;
}

type StopReason = { timedOut?: boolean; interrupted?: string; fenced?: string };

export async function runLocalCommand(input: LocalCommandInput): Promise<ExecutionResult> {
  const { clock } = input;
  const spawn = input.spawn ?? (nodeSpawn as SpawnFn);
  const started = clock.now();
  const tail = new Tail(OUTPUT_TAIL_LINES);
  const graceMs = input.fence?.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const onLine = (raw: string, droppedBytes: number) => {
    const line = outputLine(raw, droppedBytes, input.redact);
    tail.push(line);
    input.hooks.onLine(line);
  };
  const { argv } = input;
  const result = (fields: Omit<ExecutionResult, "outputTail" | "durationMs">): ExecutionResult => ({ ...fields, outputTail: tail.get(), durationMs: clock.now() - started });

  const missing = await missingProgram(argv[0]!, input.cwd, input.env);
  if (missing) return result({ exitCode: null, timedOut: false, detail: missing });

  const supervised = input.supervisor !== undefined;
  const [file, args] = input.supervisor
    ? [input.supervisor.execPath, [input.supervisor.script, "__supervise", "--grace-ms", String(graceMs), "--", ...argv]]
    : [argv[0]!, argv.slice(1)];
  let child: ChildProcess;
  try {
    // Detached: a new session, so the supervisor (or the command itself) leads a process group
    // of its own that can be stopped as a whole, and our own group's signals do not reach it.
    child = spawn(file, args, { cwd: input.cwd, env: input.env, detached: true, stdio: [supervised ? "pipe" : "ignore", "pipe", "pipe"] });
  } catch (error) {
    return result({ exitCode: null, timedOut: false, detail: `could not start ${argv[0]}: ${(error as Error).message}` });
  }

  return await new Promise<ExecutionResult>((resolve) => {
    const pgid = child.pid;
    let stopReason: StopReason = {};
    let stopping: Promise<unknown> | undefined;
    let settled = false;
    const out = new LineSplitter(onLine);
    const err = new LineSplitter(onLine);
    child.stdout?.on("data", (c: Buffer) => out.push(c));
    child.stderr?.on("data", (c: Buffer) => err.push(c));
    const closed = new Promise<void>((r) => child.on("close", () => r()));

    // The supervisor learns the fence deadline on the host's monotonic clock after every
    // renewal; if we stop sending (paused), it fires at the last one by itself.
    child.stdin?.on("error", () => undefined);
    const sendDeadline = () => {
      const deadline = input.fence?.deadline() ?? Number.POSITIVE_INFINITY;
      if (Number.isFinite(deadline) && child.stdin?.writable) child.stdin.write(deadlineMessage(hostMonotonicMs() + (deadline - clock.now())));
    };
    if (supervised) sendDeadline();
    const unsubscribe = supervised && input.fence ? input.fence.onExtend(sendDeadline) : () => undefined;

    const stop = (reason: StopReason, signal: NodeJS.Signals) => {
      stopReason = { ...reason, ...stopReason };
      if (stopping || pgid === undefined) return;
      stopping = stopGroup(pgid, {
        signal,
        graceMs,
        clock,
        // The supervisor forwards the signal to its group and escalates on its own; we SIGKILL
        // the group at the same grace, so a stuck or dead supervisor cannot keep the command.
        ...(supervised && child.exitCode === null && child.signalCode === null ? { deliver: (s: NodeJS.Signals) => child.kill(s) } : {}),
        ...(supervised ? {} : { onEscalate: () => onLine(`eb-migrate: the command's process group still runs ${graceMs} ms after ${signal}; sending SIGKILL`, 0) }),
      });
    };
    const onAbort = () => stop({ interrupted: String(input.signal.reason ?? "SIGTERM") }, input.signal.reason === "SIGINT" ? "SIGINT" : "SIGTERM");
    const onFence = () => stop({ fenced: String(input.fence?.signal.reason ?? "lost") }, "SIGTERM");
    input.signal.addEventListener("abort", onAbort);
    input.fence?.signal.addEventListener("abort", onFence);
    const deadlineTimer = setTimeout(() => stop({ timedOut: true }, "SIGTERM"), Math.max(0, input.deadline - clock.now()));
    const cleanup = () => {
      clearTimeout(deadlineTimer);
      unsubscribe();
      input.signal.removeEventListener("abort", onAbort);
      input.fence?.signal.removeEventListener("abort", onFence);
      child.stdin?.destroy();
    };
    const finish = (fields: Omit<ExecutionResult, "outputTail" | "durationMs">) => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(result(fields));
    };
    if (input.signal.aborted) onAbort();
    if (input.fence?.signal.aborted) onFence();

    child.on("error", (error: NodeJS.ErrnoException) => {
      if (pgid === undefined) finish({ exitCode: null, timedOut: false, detail: `could not start ${argv[0]}: ${error.message}` });
    });
    child.on("exit", (code, signal) => {
      void (async () => {
        // The group outlives its leader when the command left children behind, or when the
        // supervisor itself died: they go too, and "done" waits until they are gone.
        if (pgid !== undefined && !stopping && (await groupAlive(pgid))) stop({}, "SIGTERM");
        const outcome = await stopping;
        // Output written just before the end is still in the pipes; a process that escaped the
        // group (setsid) may hold them open for ever, so the wait is bounded.
        await Promise.race([closed, clock.sleep(DRAIN_MS)]);
        out.end();
        err.end();
        child.stdout?.destroy();
        child.stderr?.destroy();
        // Under the supervisor a signal death comes back as 128 + n; show it as the signal.
        const supervisedSignal = supervised && code !== null && code > 128 ? signalName(code - 128) : undefined;
        const sig = signal ?? supervisedSignal;
        const details = [
          stopReason.fenced ? fencedDetail(stopReason.fenced) : undefined,
          outcome === "lingering" ? "some of its processes survived SIGKILL (stuck in the kernel)" : undefined,
          input.shell && code === 127 ? `exit code 127: the shell did not find a command (PATH=${shownPath(input.env)})` : undefined,
        ].filter((d) => d !== undefined);
        finish({
          exitCode: sig ? null : code,
          ...(sig ? { signal: sig } : {}),
          timedOut: stopReason.timedOut === true,
          ...(stopReason.interrupted ? { interrupted: stopReason.interrupted } : {}),
          ...(details.length > 0 ? { detail: details.join("; ") } : {}),
        });
      })();
    });
  });
}

function fencedDetail(reason: string): string {
  return reason === "unrenewed" ? "stopped: this instance could not renew the lease in time (fence)" : "stopped: this instance lost the lease";
}

/** Why `program` cannot be started, before anything is spawned (so the message can say PATH). */
async function missingProgram(program: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (await onPath(program.includes("/") ? resolvePath(cwd, program) : program, env)) return undefined;
  if (program.includes("/")) return `could not start ${program}: no executable file at that path`;
  return `could not start ${program}: it is not on PATH (PATH=${shownPath(env)}); give its full path in EB_MIGRATE_COMMAND or add its directory to PATH`;
}

function shownPath(env: NodeJS.ProcessEnv): string {
  return truncateBytes(env.PATH ?? "", PATH_IN_MESSAGE_BYTES) || "(empty)";
}

function signalName(n: number): string | undefined {
  return Object.entries(constants.signals).find(([, number]) => number === n)?.[0];
}
