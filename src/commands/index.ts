// The commands of the instance bundle, in the order `--help` lists them.
import type { CommandSpec } from "./command.js";
import { runCommand } from "../commands/run.js";
import { initCommand } from "../commands/init.js";
import { policyCommand } from "../commands/policy.js";
import { statusCommand } from "../commands/status.js";
import { doctorCommand } from "../commands/doctor.js";
import { superviseCommand } from "../commands/supervise.js";

export const INSTANCE_COMMANDS: CommandSpec[] = [runCommand, initCommand, policyCommand, statusCommand, doctorCommand, superviseCommand];
