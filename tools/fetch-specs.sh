#!/usr/bin/env bash
# Fetches the carriers' OpenAPI definitions from npm (Twilio's ships in
# @twilio/cli-core, Bandwidth's in bandwidth-sdk) and patches them for Prism,
# so tests need nothing outside the repo.
# Idempotent: does nothing when the output matches the pinned inputs.
set -euo pipefail

tools="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$tools/fetch-bandwidth-spec.sh"
pkg="@twilio/cli-core@8.3.2"
# sha256 of the npm tarball, so a changed upstream artifact is noticed.
tgz_sha256="6ae83443de5882462b5fba9eddd9080a0ba52ff9cfa579d8bac9f4cf43ee4409"
member="package/src/services/twilio-api/twilio_api_v2010.json"
out="$tools/specs/twilio_api_v2010.json"
stamp="$tools/specs/.twilio_api_v2010.stamp"

# The stamp ties the output to the package and to the patch script's content.
want="$pkg $tgz_sha256 $(sha256sum "$tools/patch-twilio-spec.js" | cut -d' ' -f1)"
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

echo "fetch-specs: patching MediaUrl encoding (Prism issue 2473)"
mkdir -p "$tools/specs"
node "$tools/patch-twilio-spec.js" "$tmp/$member" "$tmp/patched.json"
mv "$tmp/patched.json" "$out"
printf '%s' "$want" >"$stamp"
echo "fetch-specs: wrote $out"
