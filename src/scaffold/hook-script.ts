// The bash script that starts eb-migrate on an instance: as the predeploy platform hook, or
// called from container_commands. One text, so both entry points run exactly the same command.

/** Relative to the app (the staging directory EB runs hooks and container commands in). */
export const BUNDLE_PATH = ".platform/eb-migrate/eb-migrate.cjs";
export const HOOK_PATH = ".platform/hooks/predeploy/50_eb_migrate.sh";
/** Where the same script goes with --container-commands (not a hook, so EB does not run it twice). */
export const CONTAINER_COMMAND_SCRIPT_PATH = ".platform/eb-migrate/container-command.sh";
/** The on-instance log file (below EB_MIGRATE_ROOT): `run` appends to it; the ebextension adds it to `eb logs`. */
export const LOG_FILE = "/var/log/eb-migrate.log";
export const MINIMUM_NODE_MAJOR = 20;

/**
 * Prints the first Node.js >= 20 found: `node` (AL2023's alternatives link), the namespaced
 * AL2023 binaries (`node-22`, `node-20`), then common manual install places. Shared by the
 * hook and the ebextension's install check, so both agree on what "Node is there" means.
 */
export const FIND_NODE_FUNCTION = `find_node() {
  local candidate major
  for candidate in node node-24 node-22 node-20 "\${EB_MIGRATE_ROOT:-}/usr/local/bin/node" "\${EB_MIGRATE_ROOT:-}/opt/nodejs/bin/node"; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    major="$("$candidate" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" || continue
    if [[ "$major" =~ ^[0-9]+$ ]] && (( major >= ${MINIMUM_NODE_MAJOR} )); then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}`;

export function hookScript(version: string): string {
  return `#!/bin/bash
# eb-migrate ${version}: the release phase of this app (Django migrate) on exactly one instance per
# deployment; every other instance waits for it. Written by \`eb-migrate init\` (see the eb-migrate README).
# Runs as root in the staging directory (/var/app/staging); its exit code is eb-migrate's:
# 0 done or skipped, 1 release failed, 2 bad configuration, 3 wait timed out, 4 no election.
set -euo pipefail

bundle="${BUNDLE_PATH}"
log="\${EB_MIGRATE_ROOT:-}${LOG_FILE}"

${FIND_NODE_FUNCTION}

# Problems found before eb-migrate starts go to the deploy log and to ${LOG_FILE} (eb logs);
# once started, eb-migrate writes that file itself.
say() {
  echo "eb-migrate: $*" >&2
  { mkdir -p "$(dirname "$log")" && echo "eb-migrate: $*" >>"$log"; } 2>/dev/null || true
}

if ! node_bin="$(find_node)"; then
  say "no Node.js >= ${MINIMUM_NODE_MAJOR} on this instance (looked for node, node-24, node-22, node-20)."
  say ".ebextensions/eb-migrate.config installs nodejs20 on Amazon Linux 2023; on Amazon Linux 2 install Node yourself (see the eb-migrate README)."
  exit 2
fi
if [[ ! -f "$bundle" ]]; then
  say "$bundle not found in $(pwd); run this from the app directory and commit what eb-migrate init wrote."
  exit 2
fi

# Environment properties: exported to hooks on current platforms; read from EB's own tool
# where it exists so older platform versions behave the same. Values already set win.
get_config="\${EB_MIGRATE_ROOT:-}/opt/elasticbeanstalk/bin/get-config"
if [[ -x "$get_config" ]] && properties="$("$get_config" environment 2>/dev/null)"; then
  while IFS= read -r -d '' assignment; do
    name="\${assignment%%=*}"
    if [[ -z "\${!name+set}" ]]; then export "$name=\${assignment#*=}"; fi
  done < <(printf '%s' "$properties" | "$node_bin" -e '
    const properties = JSON.parse(require("fs").readFileSync(0, "utf8") || "{}");
    for (const [name, value] of Object.entries(properties))
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) process.stdout.write(name + "=" + value + "\\0");
  ')
fi

exec "$node_bin" "$bundle" run "$@"
`;
}
