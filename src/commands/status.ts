// `eb-migrate status` — not built yet.
import type { CommandSpec } from "../cli/command.js";
import { ConfigError } from "../cli/errors.js";

export const statusCommand: CommandSpec = {
  name: "status",
  summary: "(not built yet)",
  usage: "eb-migrate status",
  options: {},
  async run() {
    throw new ConfigError("this command is not built yet");
  },
};
