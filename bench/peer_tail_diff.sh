#!/usr/bin/env bash
# Peer for benchmark (b): the "seed 000 method" of comparing partition tails.
#
#   peer_tail_diff.sh SOURCE TARGET [N] [--partitions P]
#
# For each tail partition of the scenario (the partitions of the first quarter of the topics
# of scenario.py: 500 at P = 2,000, the default), ONE PARTITION AT A TIME: dump the last N
# records (default 100) from the source and from the target into two files, one line per
# record (dump_tail.py: base64 of key, value, headers, and the timestamp), and `diff` them.
# Every dump is a new process, as with kcat + base64 + diff (kcat does not work against
# tansu, so dump_tail.py does kcat's job with confluent-kafka).
#
# Prints one JSON line: partitions compared, partitions that differed, total seconds. Exits 1
# if any partition differed, any dump failed, or a dump has not the N lines (at most 120, the
# records of a tail partition) the scenario guarantees, so a broken peer cannot report a fast
# time.
set -euo pipefail

usage() { sed -n '4p' "$0" | sed 's/^#   //' >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
positional=()
partitions=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --partitions) partitions=${2:?--partitions needs a value}; shift 2 ;;
    --partitions=*) partitions=${1#*=}; shift ;;
    -h|--help) usage ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -ge 2 ] && [ ${#positional[@]} -le 3 ] || usage
source_bs=${positional[0]}
target_bs=${positional[1]}
n=${positional[2]:-100}

# The scenario's shape (scenario.py Shape): 50 partitions per topic, the first quarter of
# the topics (rounded down) are the tail topics, with 120 records per partition.
if [ $((partitions % 50)) -ne 0 ] || [ "$partitions" -lt 200 ]; then
  echo "peer_tail_diff.sh: --partitions must be a multiple of 50, at least 200" >&2; exit 2
fi
tail_topics=$((partitions / 50 / 4))
expected_lines=$((n < 120 ? n : 120))

work=$(mktemp -d "${TMPDIR:-/tmp}/peer-tail-diff.XXXXXX")
trap 'rm -rf "$work"' EXIT

start=$(date +%s.%N)
compared=0
differed=0
short=0
for ((t = 0; t < tail_topics; t++)); do
  topic=$(printf 'bench.t%03d' "$t")
  for ((p = 0; p < 50; p++)); do
    python3 "$here/dump_tail.py" "$source_bs" "$topic" "$p" "$n" > "$work/source"
    python3 "$here/dump_tail.py" "$target_bs" "$topic" "$p" "$n" > "$work/target"
    if ! diff -q "$work/source" "$work/target" > /dev/null; then
      differed=$((differed + 1))
      echo "peer_tail_diff.sh: $topic[$p] differs" >&2
    fi
    if [ "$(wc -l < "$work/source")" -ne "$expected_lines" ]; then
      short=$((short + 1))
      echo "peer_tail_diff.sh: $topic[$p]: source dump has $(wc -l < "$work/source") lines, expected $expected_lines" >&2
    fi
    compared=$((compared + 1))
  done
done
end=$(date +%s.%N)

seconds=$(python3 -c "print(round($end - $start, 3))")
printf '{"method": "dump + diff, one partition at a time", "records": %d, "partitions": %d, "differed": %d, "short_dumps": %d, "total_seconds": %s}\n' \
  "$n" "$compared" "$differed" "$short" "$seconds"
[ "$differed" -eq 0 ] && [ "$short" -eq 0 ] && [ "$compared" -eq $((tail_topics * 50)) ]
