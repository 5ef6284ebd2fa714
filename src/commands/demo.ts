// `eb-migrate demo` — not built yet.
import type { CommandSpec } from "../cli/command.js";
import { ConfigError } from "../cli/errors.js";

export const demoCommand: CommandSpec = {
  name: "demo",
  summary: "(not built yet)",
  usage: "eb-migrate demo",
  options: {},
  async run() {
    throw new ConfigError("this command is not built yet");
  },
};
