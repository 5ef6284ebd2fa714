// `eb-migrate doctor` — not built yet.
import type { CommandSpec } from "../cli/command.js";
import { ConfigError } from "../cli/errors.js";

export const doctorCommand: CommandSpec = {
  name: "doctor",
  summary: "(not built yet)",
  usage: "eb-migrate doctor",
  options: {},
  async run() {
    throw new ConfigError("this command is not built yet");
  },
};
