// Entry of dist/eb-migrate.cjs, the single-file bundle that runs on instances.
import { INSTANCE_COMMANDS } from "./commands.js";
import { runMain } from "./program.js";

void runMain(INSTANCE_COMMANDS);
