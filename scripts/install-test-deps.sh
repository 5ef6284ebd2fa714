#!/usr/bin/env bash
# The Debian packages the tests need, installed when missing (run by `npm test` as its pretest
# and by .ci/run). As root it installs them; otherwise it prints the one command to run.
# Django + psycopg2 + MySQLdb for /usr/bin/python3, the PostgreSQL and MariaDB servers the test
# set-up starts (test/support/), shellcheck for the shipped hook scripts, faketime for the
# clock-skew tests.
set -euo pipefail

packages=(python3-django python3-psycopg2 python3-mysqldb postgresql mariadb-server shellcheck faketime)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  # Not Debian: nothing to install here; the test set-up names what it cannot find.
  exit 0
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need these Debian packages: ${missing[*]}. Install them with:" >&2
  echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installing the Debian packages the tests need: ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
