#!/usr/bin/env bash
# Installs the Debian packages Switchboard's demo and tests need, when they
# are missing. As root it runs apt-get; otherwise it says what to install.
# usage: tools/system-deps.sh demo|test
set -euo pipefail
need=()
want() { # want COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 || [ -x "/usr/bin/$1" ] || [ -x "/usr/sbin/$1" ] || need+=("$2")
}
# Go: Debian's golang-go (1.19) is too old for this module, and too old to
# fetch a newer toolchain itself; the toolchain comes from the Go module
# proxy instead (see install_go below).
go_usable() {
	local g
	for g in go /usr/local/go/bin/go; do
		if command -v "$g" >/dev/null 2>&1; then
			local v
			v=$("$g" env GOVERSION 2>/dev/null) || continue
			v=${v#go}
			# GOTOOLCHAIN=auto takes a go >= 1.21 to the version go.mod names.
			[ "${v%%.*}" -gt 1 ] || [ "$(echo "$v" | cut -d. -f2)" -ge 21 ] && return 0
		fi
	done
	return 1
}
need_go=
go_usable || { need_go=1; want curl curl; want unzip unzip; }
want prosody prosody
want redis-server redis-server
if [ "${1:-test}" = test ]; then
	want node nodejs
	want npm npm
	want chromium chromium
	want ejabberdctl ejabberd
	want git git
	want gcc gcc
	want sipp sip-tester
	want tshark tshark
	/usr/bin/python3 -c 'import aiortc' >/dev/null 2>&1 || need+=(python3-aiortc)
	/usr/bin/python3 -c 'import slixmpp' >/dev/null 2>&1 || need+=(python3-slixmpp)
	# internal/fspeer: Gajim's media stack (farstream, libnice) for
	# TestFarstreamCallsPhone
	/usr/bin/python3 -c 'import gi; gi.require_version("Farstream", "0.2"); from gi.repository import Farstream' >/dev/null 2>&1 ||
		need+=(python3-gi gir1.2-farstream-0.2 gstreamer1.0-nice gstreamer1.0-plugins-base gstreamer1.0-plugins-good)
fi
GO_TOOLCHAIN=v0.0.1-go1.26.8.linux-amd64
install_go() {
	[ -n "$need_go" ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "switchboard: Go 1.21 or newer is missing: install Go (https://go.dev/dl/) into /usr/local/go" >&2
		exit 1
	fi
	echo "switchboard: fetching Go ${GO_TOOLCHAIN#v0.0.1-go} from the Go module proxy into /usr/local/go" >&2
	local tmp
	tmp=$(mktemp -d)
	curl -sSfL -o "$tmp/go.zip" "https://proxy.golang.org/golang.org/toolchain/@v/$GO_TOOLCHAIN.zip"
	unzip -q "$tmp/go.zip" -d "$tmp"
	rm -rf /usr/local/go
	mv "$tmp/golang.org/toolchain@$GO_TOOLCHAIN" /usr/local/go
	chmod +x /usr/local/go/bin/* /usr/local/go/pkg/tool/*/* 2>/dev/null || true
	rm -rf "$tmp"
}

if [ ${#need[@]} -eq 0 ]; then
	install_go
	exit 0
fi
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
install_go
