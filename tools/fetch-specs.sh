#!/usr/bin/env bash
# Fetches the carriers' OpenAPI definitions from npm (Twilio's ships in
# @twilio/cli-core, Bandwidth's in bandwidth-sdk) and patches them for Prism,
# so tests need nothing outside the repo.
# Idempotent: does nothing for a definition whose output matches the pinned
# inputs.
set -euo pipefail

tools="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# fetch NAME PKG TGZ_SHA256 MEMBER PATCH: extracts MEMBER from npm package
# PKG (whose tarball must have sha256 TGZ_SHA256) and writes it through the
# patch script PATCH (node PATCH IN OUT) to specs/NAME.json.
fetch() {
  local name="$1" pkg="$2" tgz_sha256="$3" member="$4" patch="$5"
  local out="$tools/specs/$name.json" stamp="$tools/specs/.$name.stamp"
  # The stamp ties the output to the package and to the patch script's content.
  local want
  want="$pkg $tgz_sha256 $(sha256sum "$tools/$patch" | cut -d' ' -f1)"
  if [[ -f "$out" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "fetch-specs: $out is up to date"
    return 0
  fi

  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN

  echo "fetch-specs: npm pack $pkg"
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
  local tgz got
  tgz="$(ls "$tmp"/*.tgz)"
  got="$(sha256sum "$tgz" | cut -d' ' -f1)"
  if [[ "$got" != "$tgz_sha256" ]]; then
    echo "fetch-specs: $pkg tarball sha256 is $got, want $tgz_sha256" >&2
    return 1
  fi

  echo "fetch-specs: extracting $member"
  tar -xzf "$tgz" -C "$tmp" "$member"
  mkdir -p "$tools/specs"
  node "$tools/$patch" "$tmp/$member" "$tmp/patched.json"
  mv "$tmp/patched.json" "$out"
  printf '%s' "$want" >"$stamp"
  echo "fetch-specs: wrote $out"
}

# Twilio: the MediaUrl encoding is patched (Prism issue 2473).
fetch twilio_api_v2010 "@twilio/cli-core@8.3.2" \
  6ae83443de5882462b5fba9eddd9080a0ba52ff9cfa579d8bac9f4cf43ee4409 \
  package/src/services/twilio-api/twilio_api_v2010.json patch-twilio-spec.js

# Bandwidth: messaging paths under /api/v2, callback validation paths added.
fetch bandwidth "bandwidth-sdk@8.1.4" \
  04eece4aad199002d64de50014e8ccc3533709f9eb3605c0ad84890c6245b253 \
  package/bandwidth.yml patch-bandwidth-spec.js
