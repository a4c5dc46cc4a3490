#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need (tansu 0.6.0, once
# per machine), then checks formatting and lints and runs every test against real brokers.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/brokers.sh install

cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked --all-targets
