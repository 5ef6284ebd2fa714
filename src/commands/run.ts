// `eb-migrate run` — not built yet.
import type { CommandSpec } from "../cli/command.js";
import { ConfigError } from "../cli/errors.js";

export const runCommand: CommandSpec = {
  name: "run",
  summary: "(not built yet)",
  usage: "eb-migrate run",
  options: {},
  async run() {
    throw new ConfigError("this command is not built yet");
  },
};
