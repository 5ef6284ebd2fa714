// Checks that need no AWS call: the Node.js version.
import { MINIMUM_NODE_MAJOR } from "../../scaffold/hook-script.js";
import { pass, fail, type CheckResult } from "../checklist.js";


export function checkNodeVersion(version: string = process.versions.node): CheckResult {
  const major = Number(version.split(".")[0]);
  if (major >= MINIMUM_NODE_MAJOR) return pass("Node.js", `v${version}`);
  return fail("Node.js", `v${version} is older than ${MINIMUM_NODE_MAJOR}`, `install Node.js ${MINIMUM_NODE_MAJOR} or newer (the ebextension installs nodejs20 on Amazon Linux 2023)`);
}
