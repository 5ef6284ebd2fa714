// Runs the release command on this instance: argv (or /bin/sh -c), in the hook's working
// directory, output streamed line by line, stopped on timeout, on SIGTERM/SIGINT (forwarded
// and recorded) and when the lease is lost.
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { constants } from "node:os";
import type { Clock } from "../runtime/clock.js";
import { OUTPUT_TAIL_LINES, type ExecutionHooks, type ExecutionResult } from "./execution.js";
import { LineSplitter, Tail } from "./output-tail.js";
import type { Redactor } from "./redact.js";

export type SpawnFn = (command: string, args: string[], options: SpawnOptions) => ChildProcess;

/** Grace between SIGTERM and SIGKILL when we stop the command. */
export const DEFAULT_KILL_GRACE_MS = 10_000;

export interface LocalCommandInput {
  argv: string[];
  shell: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** Monotonic time after which the command is stopped and the result marked timed out. */
  deadline: number;
  /** SIGTERM/SIGINT of this process (reason = signal name). */
  signal: AbortSignal;
  /** Aborted when this instance can no longer prove it holds the lease. */
  fence?: AbortSignal;
  hooks: ExecutionHooks;
  redact: Redactor;
  /**
   * Run the command under a supervisor process (`node <bundle> __supervise -- argv`) that stops
   * it when this process dies, even by SIGKILL — so a dead leader leaves no command running
   * beside its successor's.
   */
  supervisor?: { execPath: string; script: string };
  spawn?: SpawnFn;
  killGraceMs?: number;
}

export async function runLocalCommand(input: LocalCommandInput): Promise<ExecutionResult> {
  const spawn = input.spawn ?? (nodeSpawn as SpawnFn);
  const started = input.clock.now();
  const tail = new Tail(OUTPUT_TAIL_LINES);
  const onLine = (raw: string) => {
    const line = input.redact(raw);
    tail.push(line);
    input.hooks.onLine(line);
  };
  const argv = input.shell ? ["/bin/sh", "-c", input.argv.join(" ")] : input.argv;
  const [file, args] = input.supervisor
    ? [input.supervisor.execPath, [input.supervisor.script, "__supervise", "--", ...argv]]
    : [argv[0]!, argv.slice(1)];

  return await new Promise<ExecutionResult>((resolve) => {
    let child: ChildProcess;
    let stopReason: { timedOut?: boolean; interrupted?: string; fenced?: boolean } = {};
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (result: Omit<ExecutionResult, "outputTail" | "durationMs">) => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve({ ...result, outputTail: tail.get(), durationMs: input.clock.now() - started });
    };
    try {
      child = spawn(file, args, {
        cwd: input.cwd,
        env: input.env,
        stdio: [input.supervisor ? "pipe" : "ignore", "pipe", "pipe"],
      });
    } catch (error) {
      finish({ exitCode: null, timedOut: false, detail: `could not start ${argv[0]}: ${(error as Error).message}` });
      return;
    }
    const out = new LineSplitter(onLine);
    const err = new LineSplitter(onLine);
    child.stdout?.on("data", (c: Buffer) => out.push(c));
    child.stderr?.on("data", (c: Buffer) => err.push(c));

    const stop = (reason: typeof stopReason, signal: NodeJS.Signals) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopReason = { ...stopReason, ...reason };
      child.kill(signal);
      killTimer ??= setTimeout(() => child.kill("SIGKILL"), input.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    };
    const onAbort = () => stop({ interrupted: String(input.signal.reason ?? "SIGTERM") }, input.signal.reason === "SIGINT" ? "SIGINT" : "SIGTERM");
    const onFence = () => stop({ fenced: true }, "SIGTERM");
    input.signal.addEventListener("abort", onAbort);
    input.fence?.addEventListener("abort", onFence);
    const deadlineTimer = setTimeout(() => stop({ timedOut: true }, "SIGTERM"), Math.max(0, input.deadline - input.clock.now()));
    const cleanup = () => {
      clearTimeout(deadlineTimer);
      if (killTimer) clearTimeout(killTimer);
      input.signal.removeEventListener("abort", onAbort);
      input.fence?.removeEventListener("abort", onFence);
    };
    if (input.signal.aborted) onAbort();

    child.on("error", (error: NodeJS.ErrnoException) => {
      const hint = error.code === "ENOENT" ? ` (not found on PATH; give the full path in EB_MIGRATE_COMMAND)` : "";
      finish({ exitCode: null, timedOut: false, detail: `could not start ${argv[0]}: ${error.message}${hint}` });
    });
    child.on("close", (code, signal) => {
      out.end();
      err.end();
      // Under the supervisor a signal death comes back as 128 + n; show it as the signal.
      const supervisedSignal = input.supervisor && code !== null && code > 128 ? signalName(code - 128) : undefined;
      const sig = signal ?? supervisedSignal;
      finish({
        exitCode: sig ? null : code,
        ...(sig ? { signal: sig } : {}),
        timedOut: stopReason.timedOut === true,
        ...(stopReason.interrupted ? { interrupted: stopReason.interrupted } : {}),
        ...(stopReason.fenced ? { detail: "stopped: this instance lost the lease" } : {}),
      });
    });
  });
}

function signalName(n: number): string | undefined {
  return Object.entries(constants.signals).find(([, number]) => number === n)?.[0];
}
