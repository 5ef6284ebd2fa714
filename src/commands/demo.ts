// `eb-migrate demo` — a day in an environment's life, in a local sandbox with a real Django app.
import type { CommandSpec } from "../cli/command.js";
import { runDemo } from "../demo/run-demo.js";

export const demoCommand: CommandSpec = {
  name: "demo",
  summary: "Try eb-migrate without AWS: a sandboxed environment, a real Django app, five scenes (needs Python with Django).",
  usage: "eb-migrate demo [--verbose]",
  options: { verbose: { type: "boolean" } },
  flags: { verbose: "Also show every instance's full eb-migrate output." },
  async run(ctx, args) {
    return await runDemo({ env: ctx.env, stdout: ctx.stdout, verbose: args.values.verbose === true });
  },
};
