#!/bin/bash
# eb-migrate 0.1.0: the release phase of this app (Django migrate) on exactly one instance per
# deployment; every other instance waits for it. Written by `eb-migrate init` (see the eb-migrate README).
# Runs as root in the staging directory (/var/app/staging); its exit code is eb-migrate's:
# 0 done or skipped, 1 release failed, 2 bad configuration, 3 wait timed out, 4 no election.
set -euo pipefail

bundle=".platform/eb-migrate/eb-migrate.cjs"
log="${EB_MIGRATE_ROOT:-}/var/log/eb-migrate.log"

find_node() {
  local candidate major
  for candidate in node node-24 node-22 node-20 "${EB_MIGRATE_ROOT:-}/usr/local/bin/node" "${EB_MIGRATE_ROOT:-}/opt/nodejs/bin/node"; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    major="$("$candidate" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" || continue
    if [[ "$major" =~ ^[0-9]+$ ]] && (( major >= 20 )); then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# Problems found before eb-migrate starts go to the deploy log and to /var/log/eb-migrate.log (eb logs);
# once started, eb-migrate writes that file itself.
say() {
  echo "eb-migrate: $*" >&2
  { mkdir -p "$(dirname "$log")" && echo "eb-migrate: $*" >>"$log"; } 2>/dev/null || true
}

if ! node_bin="$(find_node)"; then
  say "no Node.js >= 20 on this instance (looked for node, node-24, node-22, node-20)."
  say ".ebextensions/eb-migrate.config installs nodejs20 on Amazon Linux 2023; on Amazon Linux 2 install Node yourself (see the eb-migrate README)."
  exit 2
fi
if [[ ! -f "$bundle" ]]; then
  say "$bundle not found in $(pwd); run this from the app directory and commit what eb-migrate init wrote."
  exit 2
fi

# Environment properties: exported to hooks on current platforms; read from EB's own tool
# where it exists so older platform versions behave the same. Values already set win.
get_config="${EB_MIGRATE_ROOT:-}/opt/elasticbeanstalk/bin/get-config"
if [[ -x "$get_config" ]] && properties="$("$get_config" environment 2>/dev/null)"; then
  while IFS= read -r -d '' assignment; do
    name="${assignment%%=*}"
    if [[ -z "${!name+set}" ]]; then export "$name=${assignment#*=}"; fi
  done < <(printf '%s' "$properties" | "$node_bin" -e '
    const properties = JSON.parse(require("fs").readFileSync(0, "utf8") || "{}");
    for (const [name, value] of Object.entries(properties))
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) process.stdout.write(name + "=" + value + "\0");
  ')
fi

exec "$node_bin" "$bundle" run "$@"
