// The bash script that starts eb-migrate on an instance: as the predeploy platform hook, or
// called from container_commands. One text, so both entry points run exactly the same command.
import { LOG_FILE } from "../release/run-log.js";

/** Relative to the app (the staging directory EB runs hooks and container commands in). */
export const BUNDLE_PATH = ".platform/eb-migrate/eb-migrate.cjs";
export const HOOK_PATH = ".platform/hooks/predeploy/50_eb_migrate.sh";
/** Where the same script goes with --container-commands (not a hook, so EB does not run it twice). */
export const CONTAINER_COMMAND_SCRIPT_PATH = ".platform/eb-migrate/container-command.sh";
export const MINIMUM_NODE_MAJOR = 20;
/** Below this the hook warns (Node 20 is end of life; AWS SDK releases from 2027 need 22). */
export const PREFERRED_NODE_MAJOR = 22;

/**
 * Sets node_bin and node_major to the first Node.js >= 22 found, else the first >= 20, or fails. Amazon Linux 2023's namespaced binaries (node-24, node-22, node-20) are known by their
 * names; others (`node`, AL2023's alternatives link, and common manual install places) by
 * `--version`, read by bash: no JavaScript runs before eb-migrate itself (each Node start costs
 * more than a deploy should). Shared by the hook and the ebextension's install check, so both
 * agree on what "Node is there" means.
 */
export const FIND_NODE_FUNCTION = `# Sets found to NAME's path as 'command -v NAME' finds an executable (NAME itself when it has a
# slash), without a subshell: the hook runs on every instance of every deploy.
# (Bash 4.2 too: Amazon Linux 2 has it.)
find_on_path() {
  local dir dirs
  found=""
  if [[ "$1" == */* ]]; then
    [[ -f "$1" && -x "$1" ]] || return 1
    found="$1"
    return 0
  fi
  [[ -n "\${PATH:-}" ]] || return 1
  IFS=: read -r -a dirs <<<"$PATH"
  for dir in "\${dirs[@]}"; do
    if [[ -f "\${dir:-.}/$1" && -x "\${dir:-.}/$1" ]]; then
      found="\${dir:-.}/$1"
      return 0
    fi
  done
  return 1
}

# shellcheck disable=SC2034 # node_bin and node_major are for the caller
find_node() {
  local candidate path major n version fallback_bin="" fallback_major=""
  for candidate in node-24 node-22 node node-20 "\${EB_MIGRATE_ROOT:-}/usr/local/bin/node" "\${EB_MIGRATE_ROOT:-}/opt/nodejs/bin/node"; do
    find_on_path "$candidate" || continue
    path="$found" major=""
    if [[ "$candidate" =~ ^node-([0-9]+)$ ]]; then
      major="\${BASH_REMATCH[1]}"
    else
      # Amazon Linux 2023's 'node' is an alternatives link to a node-<major>: the same file.
      for n in 24 22 20; do
        if find_on_path "node-$n" && [[ "$path" -ef "$found" ]]; then major="$n"; break; fi
      done
      if [[ -z "$major" ]]; then
        version="$("$path" --version 2>/dev/null)" || continue
        [[ "$version" =~ ^v([0-9]+)\\. ]] || continue
        major="\${BASH_REMATCH[1]}"
      fi
    fi
    if (( major >= ${PREFERRED_NODE_MAJOR} )); then
      node_bin="$path" node_major="$major"
      return 0
    fi
    if (( major >= ${MINIMUM_NODE_MAJOR} )) && [[ -z "$fallback_bin" ]]; then
      fallback_bin="$path" fallback_major="$major"
    fi
  done
  [[ -n "$fallback_bin" ]] || return 1
  node_bin="$fallback_bin" node_major="$fallback_major"
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
  { { [[ -d "\${log%/*}" ]] || mkdir -p "\${log%/*}"; } && echo "eb-migrate: $*" >>"$log"; } 2>/dev/null || true
}

if ! find_node; then
  say "no Node.js >= ${MINIMUM_NODE_MAJOR} on this instance (looked for node-24, node-22, node, node-20)."
  say ".ebextensions/eb-migrate.config installs Node.js on Amazon Linux 2023; on Amazon Linux 2 install Node yourself (see the eb-migrate README)."
  exit 2
fi
if (( node_major < ${PREFERRED_NODE_MAJOR} )); then
  say "warning: running on Node.js $node_major ($node_bin), which is end of life; install Node.js ${PREFERRED_NODE_MAJOR} or newer (on Amazon Linux 2023: dnf install nodejs${PREFERRED_NODE_MAJOR})."
fi
if [[ ! -f "$bundle" ]]; then
  say "$bundle not found in $(pwd); run this from the app directory and commit what eb-migrate init wrote."
  exit 2
fi

# Environment properties missing from a hook's environment on older platform versions are read
# by eb-migrate itself (from get-config): Node starts once.
exec "$node_bin" "$bundle" run "$@"
`;
}
