// `eb-migrate __supervise -- argv` (internal): see release/supervise.ts.
import type { CommandSpec } from "../cli/command.js";
import { supervise } from "../release/supervise.js";

export const superviseCommand: CommandSpec = {
  name: "__supervise",
  summary: "(internal) run a command and stop it when the calling eb-migrate process dies",
  usage: "eb-migrate __supervise -- COMMAND [ARGS...]",
  options: {},
  flags: {},
  positionals: true,
  async run(_ctx, args) {
    return await supervise(args.positionals);
  },
};
