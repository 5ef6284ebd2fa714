// `eb-migrate __supervise -- argv`: runs argv and stops it when our parent goes away. The
// parent holds our stdin open; its end (however the parent died) means "stop the command".
import { spawn } from "node:child_process";

export const SUPERVISE_GRACE_MS = 5_000;

export async function supervise(argv: string[]): Promise<number> {
  const [file, ...args] = argv;
  if (!file) return 2;
  // Not detached: the command stays in the hook's process group, so a kill of the whole group
  // (supervisor included) takes it down too instead of leaving it migrating beside the next leader.
  const child = spawn(file, args, { stdio: ["ignore", "inherit", "inherit"] });
  const stop = (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.kill(signal);
  };
  let stopping = false;
  const stopWithGrace = () => {
    // stdin's end, close and error can all fire for one parent death: stop once.
    if (stopping) return;
    stopping = true;
    stop("SIGTERM");
    setTimeout(() => stop("SIGKILL"), SUPERVISE_GRACE_MS).unref();
  };
  process.stdin.on("end", stopWithGrace);
  process.stdin.on("close", stopWithGrace);
  process.stdin.on("error", stopWithGrace);
  process.stdin.resume();
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  return await new Promise<number>((resolve) => {
    child.on("error", (error) => {
      process.stderr.write(`eb-migrate: could not start ${file}: ${error.message}\n`);
      resolve(127);
    });
    child.on("exit", (code, signal) => {
      const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGABRT: 6 };
      resolve(code ?? 128 + (signal ? (numbers[signal] ?? 1) : 1));
    });
  });
}
