#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need (tansu 0.6.0 once per
# machine, Debian's chromium), then checks formatting and lints and runs every test against
# real brokers.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/brokers.sh install

# The HTML report test renders the report in headless Chromium (Debian's package).
if ! command -v chromium >/dev/null 2>&1; then
  echo "test.sh: installing Debian's chromium for the report rendering test" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
# Library, binary and integration tests; the benchmark (benches/floor.rs) needs a scenario
# (bench/run.sh) and is not a test.
cargo test --locked
