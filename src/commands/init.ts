// `eb-migrate init` — not built yet.
import type { CommandSpec } from "../cli/command.js";
import { ConfigError } from "../cli/errors.js";

export const initCommand: CommandSpec = {
  name: "init",
  summary: "(not built yet)",
  usage: "eb-migrate init",
  options: {},
  async run() {
    throw new ConfigError("this command is not built yet");
  },
};
