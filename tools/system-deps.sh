#!/usr/bin/env bash
# Installs the Debian packages Switchboard's demo and tests need, when they
# are missing. As root it runs apt-get; otherwise it says what to install.
# usage: tools/system-deps.sh demo|test
set -euo pipefail
need=()
want() { # want COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 || [ -x "/usr/bin/$1" ] || [ -x "/usr/sbin/$1" ] || need+=("$2")
}
want go golang-go
want prosody prosody
want redis-server redis-server
want openssl openssl
if [ "${1:-test}" = test ]; then
	want node nodejs
	want npm npm
	want chromium chromium
	want ejabberdctl ejabberd
	want git git
	want gcc gcc
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "switchboard: missing Debian packages: ${need[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "switchboard: install them with: sudo apt-get install ${need[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts the packaged daemons; the demo and tests run private ones.
for svc in prosody redis-server ejabberd; do
	if printf '%s\n' "${need[@]}" | grep -qx "$svc"; then
		(systemctl disable --now "$svc" || service "$svc" stop) >/dev/null 2>&1 || true
	fi
done
echo "switchboard: installed ${need[*]}" >&2
