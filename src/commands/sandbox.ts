// `eb-migrate sandbox` — not built yet.
import type { CommandSpec } from "../cli/command.js";
import { ConfigError } from "../cli/errors.js";

export const sandboxCommand: CommandSpec = {
  name: "sandbox",
  summary: "(not built yet)",
  usage: "eb-migrate sandbox",
  options: {},
  async run() {
    throw new ConfigError("this command is not built yet");
  },
};
