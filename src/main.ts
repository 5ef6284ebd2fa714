// Entry of dist/eb-migrate.cjs, the single-file bundle that runs on instances.
import { INSTANCE_COMMANDS } from "./commands/index.js";
import { runMain } from "./cli/program.js";

void runMain(INSTANCE_COMMANDS);
