#!/usr/bin/env bash
# cutover against the equal-work concurrent Python peer in the SAME run, on a scenario that
# is already built (scenario.py setup), with default settings (request_timeout 10s):
#
#   bench/same_run.sh SOURCE TARGET PARTITIONS [ROUNDS]     (ROUNDS: default 3)
#
# Alternates cutover (a) and peer_checks.py --mode concurrent ROUNDS times, so machine load
# hits both alike; each line of bench/results/same-run-<P>.jsonl has wall seconds, peak RSS
# (/usr/bin/time), user+system CPU seconds, and for cutover the verdicts. Then measures the
# poll costs: `cutover run` of the same verifies plus a command check that passes at the 10th
# poll (so ten polls happen), once while nothing changes and once while one topic receives
# records, and writes each poll's took_ms from the journal's `poll` events.
set -euo pipefail
cd "$(dirname "$0")/.."
source=$1 target=$2 partitions=$3 rounds=${4:-3}
cutover=target/release/cutover
out=bench/results/same-run-$partitions.jsonl
work=$(mktemp -d)
# Its runs' index and cluster locks stay in the work directory, not the operator's own.
export CUTOVER_USER_STATE_DIR="$work/user-state"
: > "$out"
runbook() { # runbook FILE EXTRA_CHECK
  cat > "$1" <<YAML
version: 1
name: same run, $partitions partitions, default settings
clusters:
  source: { bootstrap: "$source" }
  target: { bootstrap: "$target" }
mirror:
  engine: mirrormaker2
  source_alias: old
defaults:
  topics: ['bench\\.t.*']
  groups: ['bench\\.g.*']
  poll_interval: 1s
  timeout: 30m
tiers:
  - name: bench
    steps:
      - id: a
        verifies:
          - kind: lag_zero
            cluster: source
          - kind: offsets_translated
          - kind: mirror_caught_up
$2
YAML
}
runbook "$work/check.yaml" ""
timed() { # timed NAME COMMAND...
  local name=$1; shift
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" > "$work/stdout" 2> "$work/stderr" || true
  read -r seconds kb user sys < <(tail -1 "$work/time")
  local verdicts=""
  if [ "$name" = cutover ]; then
    verdicts=$(grep '"type":"check"' "$work/stdout" | python3 -c '
import json, sys
print(json.dumps([{"kind": c["kind"], "status": c["status"], "summary": c["summary"][:160]} for c in map(json.loads, sys.stdin)]))')
  else
    verdicts=$(tail -1 "$work/stdout" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read() or "{}"); print(json.dumps(d.get("verdicts", "see peer output")))' 2>/dev/null || echo '"unparsed"')
  fi
  printf '{"measure":"%s","partitions":%s,"seconds":%s,"max_rss_kb":%s,"cpu_seconds":%.2f,"verdicts":%s}\n' \
    "$name" "$partitions" "$seconds" "$kb" "$(echo "$user + $sys" | bc)" "$verdicts" | tee -a "$out"
}
for _ in $(seq 1 "$rounds"); do
  timed cutover "$cutover" check "$work/check.yaml" --json
  timed peer python3 bench/peer_checks.py "$source" "$target" --mode concurrent --partitions "$partitions"
done

# Poll costs: ten polls of the same verifies.
polls() { # polls NAME [TOPIC_TO_WRITE]
  local name=$1 topic=${2:-}
  local dir; dir=$(mktemp -d)
  # The command check passes at the 10th poll; it then interrupts the run (SIGINT to cutover,
  # its parent), which ends a wait whose other checks still fail (a topic being written).
  runbook "$dir/run.yaml" "          - kind: command
            run: echo x >> $dir/polled; n=\$(wc -l < $dir/polled); if [ \$n -ge 10 ]; then kill -INT \$PPID; fi; test \$n -ge 10"
  local writer=""
  if [ -n "$topic" ]; then
    python3 - "$source" "$topic" <<'PY' &
import sys, time
from confluent_kafka import Producer
p = Producer({"bootstrap.servers": sys.argv[1], "linger.ms": 50})
end = time.time() + 600
i = 0
while time.time() < end:
    for part in range(50):
        p.produce(sys.argv[2], value=b"x" * 100, partition=part)
    i += 1
    p.flush()
    time.sleep(0.2)
PY
    writer=$!
  fi
  (cd "$dir" && /usr/bin/time -f '%e %M' -o "$dir/time" "$OLDPWD/$cutover" run run.yaml --yes > /dev/null 2> "$dir/stderr") || true
  [ -n "$writer" ] && kill "$writer" 2>/dev/null || true
  read -r seconds kb < <(tail -1 "$dir/time")
  local journal; journal=$(ls "$dir"/.cutover/runs/*/journal.jsonl | head -1)
  python3 - "$journal" "$name" "$partitions" "$seconds" "$kb" <<'PY' | tee -a "$out"
import json, sys
journal, name, partitions, seconds, kb = sys.argv[1:]
took = [json.loads(l)["took_ms"] for l in open(journal) if '"event":"poll"' in l][:10]
later = sorted(took[1:])
print(json.dumps({"measure": name, "partitions": int(partitions), "seconds": float(seconds),
                  "max_rss_kb": int(kb), "poll_took_ms": took,
                  "later_median_share_of_first": round(later[len(later)//2] / took[0], 3) if later and took[0] else None}))
PY
}
polls polls.unchanged
polls polls.one_topic_written bench.t039
rm -rf "$work"
