#!/usr/bin/env bash
# Fetches Bandwidth's OpenAPI definition from npm (package/bandwidth.yml in
# bandwidth-sdk) and patches it for Prism (see patch-bandwidth-spec.js).
# Idempotent: does nothing when the output matches the pinned inputs.
set -euo pipefail

tools="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pkg="bandwidth-sdk@8.1.4"
# sha256 of the npm tarball, so a changed upstream artifact is noticed.
tgz_sha256="04eece4aad199002d64de50014e8ccc3533709f9eb3605c0ad84890c6245b253"
member="package/bandwidth.yml"
out="$tools/specs/bandwidth.json"
stamp="$tools/specs/.bandwidth.stamp"

want="$pkg $tgz_sha256 $(sha256sum "$tools/patch-bandwidth-spec.js" | cut -d' ' -f1)"
if [[ -f "$out" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "fetch-specs: $out is up to date"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "fetch-specs: npm pack $pkg"
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
tgz="$(ls "$tmp"/*.tgz)"
got="$(sha256sum "$tgz" | cut -d' ' -f1)"
if [[ "$got" != "$tgz_sha256" ]]; then
  echo "fetch-specs: $pkg tarball sha256 is $got, want $tgz_sha256" >&2
  exit 1
fi

echo "fetch-specs: extracting $member"
tar -xzf "$tgz" -C "$tmp" "$member"

mkdir -p "$tools/specs"
node "$tools/patch-bandwidth-spec.js" "$tmp/$member" "$tmp/patched.json"
mv "$tmp/patched.json" "$out"
printf '%s' "$want" >"$stamp"
echo "fetch-specs: wrote $out"
