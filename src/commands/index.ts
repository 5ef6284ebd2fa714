// The commands of the instance bundle, in the order `--help` lists them.
import type { CommandSpec } from "../cli/command.js";
import { runCommand } from "./run.js";
import { initCommand } from "./init.js";
import { policyCommand } from "./policy.js";
import { statusCommand } from "./status.js";
import { doctorCommand } from "./doctor.js";
import { superviseCommand } from "./supervise.js";

export const INSTANCE_COMMANDS: CommandSpec[] = [runCommand, initCommand, policyCommand, statusCommand, doctorCommand, superviseCommand];
