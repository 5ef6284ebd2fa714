// `eb-migrate __supervise -- argv`: runs argv and stops it when our parent goes away. The
// parent holds our stdin open; its end (however the parent died) means "stop the command".
import { spawn } from "node:child_process";
import { constants } from "node:os";

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
    // A signal death goes back to the parent as 128 + its number, as a shell reports it.
    child.on("exit", (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 1)));
  });
}
