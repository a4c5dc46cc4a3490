#!/usr/bin/env python3
"""Peer for benchmark (a): the three checks of `cutover check`, as an operator would script them.

    peer_checks.py SOURCE TARGET --mode sequential|concurrent [--partitions P]

On the scenario of scenario.py (P partitions, 2,000 unless given), with confluent-kafka:

  1. lag zero: for every group bench.g* and every partition it committed on the source,
     source end offset - committed offset == 0;
  2. offsets translated: read old.checkpoints.internal on the target from the beginning
     (the latest checkpoint per (group, topic, partition) wins); for every (group, partition)
     committed on the source at U there is a checkpoint with upstreamOffset == U, the group's
     committed offset on the target equals the checkpoint's offset, and (the group is drained)
     that is the target end offset;
  3. mirror caught up: for every partition of bench.t*, the last record on the source and on
     the target have the same key, value, headers and timestamp.

--mode sequential: no concurrency at all. One group's offsets at a time (one
  list_consumer_group_offsets call, wait for it, next group), end offsets one partition at a
  time with Consumer.get_watermark_offsets (each partition once per cluster, shared by all
  groups: a loop over topics, not over groups x partitions), last records one partition at a
  time (assign it at end - 1, poll the record, next). Phases run one after another.
--mode concurrent: everything in flight at once. After discovery (three requests together):
  all groups' list_consumer_group_offsets futures on both clusters together, one
  list_offsets call per cluster for all partitions, the last records with one consumer per
  cluster assigned to all partitions (each paused once its record is in), and the checkpoint
  read running alongside. Phases overlap; each phase's seconds are from the start of the
  checks to its completion.

Both modes use fetch.wait.max.ms = 1 and read the checkpoints with 16 MiB fetches (see
reader() for why: tansu 0.6.0 sleeps in every Fetch).

Prints one JSON line: mode, seconds per phase, total seconds, and pass/fail counts per check.
Exits 1 unless every item passes and the item counts are what the scenario defines, so a
broken peer cannot report a fast time.
"""

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scenario import CHECKPOINTS_TOPIC, GROUP_PREFIX, TOPIC_PREFIX, Shape, decode_checkpoint  # noqa: E402

TIMEOUT = 600  # seconds any single wait may take before the peer gives up
SOCKET_TIMEOUT_MS = 300_000  # librdkafka maximum: a slow tansu fetch must not be retried forever


class PeerError(Exception):
    pass


def admin_client(bootstrap: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": SOCKET_TIMEOUT_MS})


def reader(bootstrap: str, **extra) -> Consumer:
    """A consumer used with assign() only: never joins, never commits."""
    config = {
        "bootstrap.servers": bootstrap,
        "group.id": "bench-peer-reader",  # required by the client; nothing is committed under it
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "socket.timeout.ms": SOCKET_TIMEOUT_MS,
        # Large fetches: tansu answers a fetch in time proportional to the records after the
        # fetch offset, so few big fetches beat many small ones.
        "max.partition.fetch.bytes": 16 * 1024 * 1024,
        "fetch.max.bytes": 64 * 1024 * 1024,
        "receive.message.max.bytes": 100 * 1024 * 1024,
        # tansu 0.6.0 sleeps in every Fetch, even one that already has data: max wait / 2 when
        # that is 250 ms or more, else the whole max wait (an empty fetch at the end of a
        # partition: ~1.5x the max wait). With librdkafka's default fetch.wait.max.ms = 500
        # every fetch round costs 0.25-0.75 s, and a one-partition-at-a-time loop pays it per
        # partition. An operator who measured this would set it to the minimum, as here.
        "fetch.wait.max.ms": 1,
    }
    config.update(extra)
    return Consumer(config)


def record_of(msg):
    """What the mirror check compares: key, value, headers, timestamp (type and value)."""
    return (msg.key(), msg.value(), tuple(msg.headers() or ()), msg.timestamp())


# --- discovery (both modes) --------------------------------------------------------------------


def bench_partitions(admin: AdminClient) -> list:
    metadata = admin.list_topics(timeout=TIMEOUT)
    return sorted(
        (name, p)
        for name, topic in metadata.topics.items()
        if name.startswith(TOPIC_PREFIX)
        for p in topic.partitions
    )


def bench_groups(admin: AdminClient) -> list:
    listing = admin.list_consumer_groups(request_timeout=TIMEOUT).result()
    if listing.errors:
        raise PeerError(f"list groups: {listing.errors[0]}")
    return sorted(g.group_id for g in listing.valid if g.group_id.startswith(GROUP_PREFIX))


# --- committed offsets ---------------------------------------------------------------------------


def committed_of(result) -> dict:
    out = {}
    for tp in result.topic_partitions:
        if tp.error is not None:
            raise PeerError(f"committed offset of {result.group_id} {tp.topic}[{tp.partition}]: {tp.error}")
        if tp.topic.startswith(TOPIC_PREFIX) and tp.offset >= 0:
            out[(tp.topic, tp.partition)] = tp.offset
    return out


def committed_sequential(admin: AdminClient, groups: list) -> dict:
    """One group at a time: ask, wait for the answer, next group."""
    out = {}
    for group in groups:
        futures = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)], request_timeout=TIMEOUT)
        out[group] = committed_of(futures[group].result())
    return out


def committed_concurrent(admins: list, groups: list) -> list:
    """All groups on all clusters at once. (The API takes one group per call: one future each.)"""
    pending = [
        {g: admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(g)], request_timeout=TIMEOUT)[g] for g in groups}
        for admin in admins
    ]
    return [{g: committed_of(f.result()) for g, f in futures.items()} for futures in pending]


# --- end offsets ----------------------------------------------------------------------------------


def end_offsets_sequential(consumer: Consumer, partitions: list) -> dict:
    """One partition at a time, topic by topic, as a loop over get_watermark_offsets."""
    return {
        (topic, p): consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=TIMEOUT, cached=False)[1]
        for topic, p in partitions
    }


def end_offsets_concurrent(admins: list, partitions: list) -> list:
    """One list_offsets call per cluster for all partitions, both clusters in flight together."""
    request = {TopicPartition(t, p): OffsetSpec.latest() for t, p in partitions}
    pending = [admin.list_offsets(request, request_timeout=TIMEOUT) for admin in admins]
    return [{(tp.topic, tp.partition): f.result().offset for tp, f in futures.items()} for futures in pending]


# --- records ---------------------------------------------------------------------------------------


def next_messages(consumer: Consumer) -> list:
    """The messages available now, or the first to arrive within 0.1 s.

    (consume(n, timeout) alone waits for the whole timeout unless n messages arrive, which
    would add 0.1 s to every one-record read.)"""
    first = consumer.poll(0.1)
    if first is None:
        return []
    return [first] + consumer.consume(num_messages=100000, timeout=0)


def poll_until(consumer: Consumer, wanted: dict, deadline_what: str, pause_done: bool = False) -> dict:
    """Consume until every (topic, partition) in `wanted` has given its record at wanted[tp].

    pause_done: pause each partition once its record is in, so the next fetches leave it out
    (tansu answers a fetch in time proportional to the partitions in it, even empty ones)."""
    got = {}
    deadline = time.monotonic() + TIMEOUT
    while len(got) < len(wanted):
        if time.monotonic() > deadline:
            raise PeerError(f"{deadline_what}: {len(wanted) - len(got)} partitions unread after {TIMEOUT} s")
        done = []
        for msg in next_messages(consumer):
            if msg.error():
                raise PeerError(f"{deadline_what}: {msg.error()}")
            key = (msg.topic(), msg.partition())
            if wanted.get(key) == msg.offset():
                got[key] = record_of(msg)
                done.append(TopicPartition(*key))
        if pause_done and done:
            consumer.pause(done)
    return got


def last_records_sequential(consumer: Consumer, ends: dict) -> dict:
    """One partition at a time: assign it at end - 1, wait for that record, next partition.

    `consumer` is the one that asked for the end offsets: librdkafka then already knows every
    partition, and a newly assigned one is fetched at once (a consumer that has not seen the
    partition before takes ~10 ms longer per assign on tansu)."""
    out = {}
    for (topic, p), end in sorted(ends.items()):
        if end <= 0:
            out[(topic, p)] = None  # empty partition: no last record
            continue
        consumer.assign([TopicPartition(topic, p, end - 1)])
        out.update(poll_until(consumer, {(topic, p): end - 1}, f"last record of {topic}[{p}]"))
    return out


def last_records_concurrent(bootstrap: str, ends: dict) -> dict:
    """One consumer assigned to every partition at end - 1; all fetched together."""
    consumer = reader(bootstrap)
    out = {tp: None for tp, end in ends.items() if end <= 0}
    wanted = {tp: end - 1 for tp, end in ends.items() if end > 0}
    try:
        consumer.assign([TopicPartition(t, p, offset) for (t, p), offset in wanted.items()])
        out.update(poll_until(consumer, wanted, "last records", pause_done=True))
    finally:
        consumer.close()
    return out


def read_checkpoints(bootstrap: str) -> dict:
    """The whole checkpoints topic, from offset 0 to its end: latest per (group, topic, partition)."""
    consumer = reader(bootstrap)
    latest = {}
    try:
        low, high = consumer.get_watermark_offsets(TopicPartition(CHECKPOINTS_TOPIC, 0), timeout=TIMEOUT, cached=False)
        if high <= 0:
            return latest
        consumer.assign([TopicPartition(CHECKPOINTS_TOPIC, 0, 0)])
        deadline = time.monotonic() + TIMEOUT
        position = 0
        while position < high:
            if time.monotonic() > deadline:
                raise PeerError(f"checkpoints: read up to offset {position} of {high} in {TIMEOUT} s")
            for msg in next_messages(consumer):
                if msg.error():
                    raise PeerError(f"checkpoints: {msg.error()}")
                group, topic, partition, upstream, downstream, _ = decode_checkpoint(msg.key(), msg.value())
                latest[(group, topic, partition)] = (upstream, downstream)
                position = msg.offset() + 1
    finally:
        consumer.close()
    return latest


# --- the checks ------------------------------------------------------------------------------------


def evaluate(groups, src_committed, tgt_committed, src_ends, tgt_ends, checkpoints, src_last, tgt_last):
    """Pass/fail counts per check, and the first few failures for the operator to read."""
    counts = {c: {"pass": 0, "fail": 0} for c in ("lag_zero", "offsets_translated", "mirror_caught_up")}
    failures = []

    def verdict(check, ok, why):
        counts[check]["pass" if ok else "fail"] += 1
        if not ok and len(failures) < 10:
            failures.append(f"{check}: {why()}")

    for group in groups:
        for (topic, p), offset in sorted(src_committed[group].items()):
            end = src_ends.get((topic, p))
            verdict("lag_zero", end is not None and end - offset == 0, lambda: f"{group} {topic}[{p}] committed {offset}, end {end}")
            # Identity naming: the target topic has the source topic's name.
            cp = checkpoints.get((group, topic, p))
            tgt = tgt_committed.get(group, {}).get((topic, p))
            tgt_end = tgt_ends.get((topic, p))
            ok = cp is not None and cp[0] == offset and tgt == cp[1] and cp[1] == tgt_end
            verdict("offsets_translated", ok, lambda: f"{group} {topic}[{p}] source {offset}, checkpoint {cp}, target committed {tgt}, target end {tgt_end}")
    for tp in sorted(src_ends):
        ok = tp in tgt_last and src_last[tp] == tgt_last[tp]
        verdict("mirror_caught_up", ok, lambda: f"{tp[0]}[{tp[1]}] last records differ")
    return counts, failures


def run_sequential(source: str, target: str, phases: dict):
    def phase(name, fn, *args):
        started = time.monotonic()
        value = fn(*args)
        phases[name] = round(time.monotonic() - started, 3)
        return value

    # One admin client and one consumer per cluster, used for everything on that cluster.
    src_admin, tgt_admin = admin_client(source), admin_client(target)
    src_consumer, tgt_consumer = reader(source), reader(target)
    try:
        partitions, tgt_partitions, groups = phase(
            "discover", lambda: (bench_partitions(src_admin), bench_partitions(tgt_admin), bench_groups(src_admin))
        )
        src_committed = phase("committed_source", committed_sequential, src_admin, groups)
        tgt_committed = phase("committed_target", committed_sequential, tgt_admin, groups)
        src_ends = phase("end_offsets_source", end_offsets_sequential, src_consumer, partitions)
        tgt_ends = phase("end_offsets_target", end_offsets_sequential, tgt_consumer, tgt_partitions)
        checkpoints = phase("checkpoints", read_checkpoints, target)
        src_last = phase("last_records_source", last_records_sequential, src_consumer, src_ends)
        tgt_last = phase("last_records_target", last_records_sequential, tgt_consumer, tgt_ends)
    finally:
        src_consumer.close()
        tgt_consumer.close()
    return phase("evaluate", evaluate, groups, src_committed, tgt_committed, src_ends, tgt_ends, checkpoints, src_last, tgt_last)


def run_concurrent(source: str, target: str, phases: dict):
    started = time.monotonic()

    def done(name):
        phases[name] = round(time.monotonic() - started, 3)

    src_admin, tgt_admin = admin_client(source), admin_client(target)
    pool = ThreadPoolExecutor(max_workers=4)

    def checkpoints_job():
        value = read_checkpoints(target)
        done("checkpoints")
        return value

    # Discovery first (the rest needs its answers), all three requests together; then the
    # checkpoint read, which needs nothing else, runs alongside everything that follows.
    discovery = [pool.submit(bench_partitions, src_admin), pool.submit(bench_partitions, tgt_admin), pool.submit(bench_groups, src_admin)]
    partitions, tgt_partitions, groups = (f.result() for f in discovery)
    done("discover")
    checkpoints_future = pool.submit(checkpoints_job)

    def ends_and_last_records(admin, bootstrap, parts, name):
        (ends,) = end_offsets_concurrent([admin], parts)
        done(f"end_offsets_{name}")
        last = last_records_concurrent(bootstrap, ends)
        done(f"last_records_{name}")
        return ends, last

    src_job = pool.submit(ends_and_last_records, src_admin, source, partitions, "source")
    tgt_job = pool.submit(ends_and_last_records, tgt_admin, target, tgt_partitions, "target")
    src_committed, tgt_committed = committed_concurrent([src_admin, tgt_admin], groups)
    done("committed")
    (src_ends, src_last), (tgt_ends, tgt_last) = src_job.result(), tgt_job.result()
    checkpoints = checkpoints_future.result()
    pool.shutdown()
    result = evaluate(groups, src_committed, tgt_committed, src_ends, tgt_ends, checkpoints, src_last, tgt_last)
    done("evaluate")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--mode", choices=("sequential", "concurrent"), required=True)
    parser.add_argument("--partitions", type=int, default=2000, help="the scenario's size, to know the expected counts")
    args = parser.parse_args(argv)
    shape = Shape(args.partitions)

    phases = {}
    started = time.monotonic()
    try:
        run = run_sequential if args.mode == "sequential" else run_concurrent
        counts, failures = run(args.source, args.target, phases)
    except (PeerError, KafkaException) as e:
        print(f"peer_checks.py: {e}", file=sys.stderr)
        return 1
    total = round(time.monotonic() - started, 3)

    expected = {"lag_zero": shape.commits(), "offsets_translated": shape.commits(), "mirror_caught_up": shape.partitions}
    ok = all(counts[c]["fail"] == 0 and counts[c]["pass"] == n for c, n in expected.items())
    print(json.dumps({
        "mode": args.mode,
        "partitions": shape.partitions,
        "phases_overlap": args.mode == "concurrent",
        "seconds": phases,
        "total_seconds": total,
        "verdicts": counts,
        "ok": ok,
    }))
    if not ok:
        for f in failures:
            print(f"peer_checks.py: {f}", file=sys.stderr)
        print(f"peer_checks.py: expected every item to pass, with counts {expected}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
