#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need (tansu 0.6.0 once per
# machine; Debian's chromium, openssl, python3 and tmux when missing), then checks formatting and
# lints and runs every test against real brokers.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/brokers.sh install

# Debian packages the tests use: chromium renders the HTML report; openssl makes the test CA
# and certificates of the TLS tests (scripts/brokers.sh); python3 runs the TLS proxy in front
# of tansu and picks free ports; tmux is the terminal of the interactive demo test.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing Debian's ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
# Library, binary and integration tests; the benchmark (benches/floor.rs) needs a scenario
# (bench/run.sh) and is not a test.
cargo test --locked
