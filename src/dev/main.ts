// Entry of the package's bin: every instance command plus what runs from a laptop or a
// pipeline only — `release --env` (its SSM client stays out of the instance bundle), the local
// sandbox and the demo.
import { INSTANCE_COMMANDS } from "../commands/index.js";
import { runMain } from "../cli/program.js";
import { sandboxCommand } from "../commands/sandbox.js";
import { demoCommand } from "../commands/demo.js";
import { releaseCommand } from "../commands/release.js";

void runMain([...INSTANCE_COMMANDS, releaseCommand, sandboxCommand, demoCommand]);
