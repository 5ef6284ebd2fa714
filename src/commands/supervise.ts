// `eb-migrate __supervise [--grace-ms N] -- argv` (internal): see release/supervise.ts.
import type { CommandSpec } from "../cli/command.js";
import { wholeNumberFlag } from "../config/settings.js";
import { DEFAULT_SUPERVISE_GRACE_MS, supervise } from "../release/supervise.js";

export const superviseCommand: CommandSpec = {
  name: "__supervise",
  summary: "(internal) run a command in this process group and stop the whole group when the calling eb-migrate process dies, pauses past the fence deadline, or says so",
  usage: "eb-migrate __supervise [--grace-ms N] -- COMMAND [ARGS...]",
  options: { "grace-ms": { type: "string" } },
  flags: { "grace-ms": "Milliseconds between SIGTERM and SIGKILL when the command's process group is stopped." },
  positionals: true,
  async run(_ctx, args) {
    const raw = args.values["grace-ms"];
    const graceMs = wholeNumberFlag("grace-ms", raw, { unit: "milliseconds" }) ?? DEFAULT_SUPERVISE_GRACE_MS;
    // The supervisor outlives every SIGTERM — also those it sends its own group — until the
    // group is gone: the program's handlers (which exit on a third signal) give way to its own.
    process.removeAllListeners("SIGTERM");
    process.removeAllListeners("SIGINT");
    // Its output pipe dies with the runner; a failed write must not take the supervisor down.
    process.stderr.on("error", () => undefined);
    process.stdout.on("error", () => undefined);
    const log = (line: string) => {
      try {
        process.stderr.write(`${line}\n`);
      } catch {
        // the runner is gone; nobody reads it
      }
    };
    return await supervise(args.positionals, { graceMs, input: process.stdin, log });
  },
};
