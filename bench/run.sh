#!/usr/bin/env bash
# The check benchmark: `cutover check` against its floor (the same Kafka requests issued bare)
# and against peer scripts, on two tansu brokers holding the scenario of scenario.py.
#
#   bench/run.sh [PARTITIONS...]        default: 2000; the published runs use 500 2000 8000
#   BENCH_PEERS=0 bench/run.sh 500 8000  the scaling runs, without the (slow) peers
#
# For each scale: start two brokers (SQLite), build the scenario, then time
#   (a) `cutover check --step a`: lag_zero + offsets_translated + mirror_caught_up over all;
#   (b) `cutover check --step b`: tail_match of 100 records on the tail partitions;
#   the floor of each (cargo bench --bench floor), part by part;
#   the peers: peer_checks.py sequential and concurrent for (a), peer_tail_diff.sh for (b).
# Results go to bench/results/<partitions>.jsonl, one JSON object per measurement. Wall times
# come from /usr/bin/time, peak memory (max RSS) too.
set -euo pipefail
cd "$(dirname "$0")/.."
scales=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(2000)

python3 -c 'import confluent_kafka' 2>/dev/null || pip install --quiet confluent-kafka
cargo build --release --locked --bin cutover --bench floor >&2
cutover=target/release/cutover
floor=$(ls -t target/release/deps/floor-* | grep -v '\.d$' | head -1)
mkdir -p bench/results

timed() { # timed NAME COMMAND...: run, record wall seconds and peak RSS as a JSON line
  local name=$1; shift
  local out; out=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$out.time" "$@" > "$out" 2> "$out.err" || {
    echo "bench: $name failed:" >&2; tail -20 "$out.err" >&2; exit 1; }
  read -r seconds kb < "$out.time"
  printf '{"measure":"%s","seconds":%s,"max_rss_kb":%s}\n' "$name" "$seconds" "$kb" >> "$results"
  cat "$out" >> "$results.raw"
  rm -f "$out" "$out.time" "$out.err"
}

for partitions in "${scales[@]}"; do
  results=bench/results/$partitions.jsonl
  : > "$results"; : > "$results.raw"
  eval "$(scripts/brokers.sh start src | sed 's/^/SRC_/')"
  eval "$(scripts/brokers.sh start tgt | sed 's/^/TGT_/')"
  trap 'scripts/brokers.sh stop "$SRC_BROKER_DIR"; scripts/brokers.sh stop "$TGT_BROKER_DIR"' EXIT
  python3 bench/tansu_index.py "$SRC_BROKER_DIR" "$TGT_BROKER_DIR"
  python3 bench/scenario.py setup "$SRC_BROKER_BOOTSTRAP" "$TGT_BROKER_BOOTSTRAP" --partitions "$partitions" >> "$results"

  topics=$((partitions / 50)); tail_topics=$((topics / 4))
  tail_regex="bench\\.t($(seq -s '|' -f '%03g' 0 $((tail_topics - 1))))"
  runbook=bench/results/runbook-$partitions.yaml
  cat > "$runbook" <<YAML
version: 1
name: check benchmark, $partitions partitions
clusters:
  source: { bootstrap: "$SRC_BROKER_BOOTSTRAP" }
  target: { bootstrap: "$TGT_BROKER_BOOTSTRAP" }
mirror:
  engine: mirrormaker2
  source_alias: old
defaults:
  topics: ['bench\\.t.*']
  groups: ['bench\\.g.*']
  request_timeout: 120s
tiers:
  - name: bench
    steps:
      - id: a
        verifies:
          - kind: lag_zero
            cluster: source
          - kind: offsets_translated
          - kind: mirror_caught_up
      - id: b
        verifies:
          - kind: tail_match
            topics: ['$tail_regex']
            records: 100
YAML
  "$cutover" validate "$runbook" >&2
  # Warm-up: the first fetch of each partition on a fresh tansu is slower for every client.
  "$cutover" check "$runbook" --step a > /dev/null || true
  timed "floor" "$floor" "$SRC_BROKER_BOOTSTRAP" "$TGT_BROKER_BOOTSTRAP" "$partitions"
  timed "cutover.a" "$cutover" check "$runbook" --step a --json
  timed "cutover.b" "$cutover" check "$runbook" --step b --json
  if [ "${BENCH_PEERS:-1}" = 1 ]; then
  timed "peer.a.sequential" python3 bench/peer_checks.py "$SRC_BROKER_BOOTSTRAP" "$TGT_BROKER_BOOTSTRAP" --mode sequential --partitions "$partitions"
  timed "peer.a.concurrent" python3 bench/peer_checks.py "$SRC_BROKER_BOOTSTRAP" "$TGT_BROKER_BOOTSTRAP" --mode concurrent --partitions "$partitions"
  timed "peer.b.tail_diff" bash bench/peer_tail_diff.sh "$SRC_BROKER_BOOTSTRAP" "$TGT_BROKER_BOOTSTRAP" 100 --partitions "$partitions"
  fi
  grep -h '"part"' "$results.raw" >> "$results" || true
  grep -h '"type":"summary"' "$results.raw" | sed 's/^/{"cutover_summary":/; s/$/}/' >> "$results" || true
  scripts/brokers.sh stop "$SRC_BROKER_DIR"; scripts/brokers.sh stop "$TGT_BROKER_DIR"
  trap - EXIT
  echo "bench: $partitions partitions done: $results" >&2
done
