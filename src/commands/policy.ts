// `eb-migrate policy` — not built yet.
import type { CommandSpec } from "../cli/command.js";
import { ConfigError } from "../cli/errors.js";

export const policyCommand: CommandSpec = {
  name: "policy",
  summary: "(not built yet)",
  usage: "eb-migrate policy",
  options: {},
  async run() {
    throw new ConfigError("this command is not built yet");
  },
};
