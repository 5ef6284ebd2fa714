// Entry of the package's bin: every instance command plus the local sandbox and the demo.
import { INSTANCE_COMMANDS } from "../cli/commands.js";
import { runMain } from "../cli/program.js";
import { sandboxCommand } from "../commands/sandbox.js";
import { demoCommand } from "../commands/demo.js";

void runMain([...INSTANCE_COMMANDS, sandboxCommand, demoCommand]);
