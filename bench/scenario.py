#!/usr/bin/env python3
"""The benchmark scenario: a finished migration, source and target in perfect agreement.

    scenario.py setup SOURCE_BOOTSTRAP TARGET_BOOTSTRAP [--partitions P]

builds, on two empty clusters (P = 2,000 unless given; any multiple of 50 from 200 up works,
the published runs use 500, 2,000 and 8,000):

  - P/50 topics bench.t000, bench.t001, ... with 50 partitions each, on both clusters;
  - 20 records in every partition, except the "tail topics" (the first quarter of the topics,
    rounded down: bench.t000..bench.t009 at P = 2,000) with 120 records per partition.
    Records are identical on both clusters (a perfect mirror with identity topic naming);
  - P/10 consumer groups bench.g000, bench.g001, ...; group g has committed, on both clusters,
    the end offset (it is drained) of every partition of the topics whose index % 4 == g % 4;
  - on the target only, old.checkpoints.internal (1 partition, compacted) with one MirrorMaker 2
    checkpoint per (group, topic, partition) committed, upstream offset = downstream offset =
    the committed offset.

It prints one JSON line (sizes and seconds) and exits 1 on any error: a failed topic creation,
delivery report, offset commit, or an end offset that is not what was produced.

The shape is defined once, in `Shape`, and the peers import it to know what to expect.

tansu 0.6.0 (SQLite storage) has no index on its `header` table, so every record it returns
from a fetch scans all header rows of the database; run bench/tansu_index.py on each broker
directory first, or every fetch in the benchmark measures that scan instead of the client.
"""

import argparse
import hashlib
import json
import struct
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic, OffsetSpec

PARTITIONS_PER_TOPIC = 50
BASE_RECORDS = 20  # records in every partition
TAIL_RECORDS = 120  # records in the partitions of the tail topics
PAYLOAD_BYTES = 100
BASE_TIMESTAMP = 1_700_000_000_000  # record i has CreateTime BASE_TIMESTAMP + i
CHECKPOINTS_TOPIC = "old.checkpoints.internal"
TOPIC_PREFIX = "bench.t"
GROUP_PREFIX = "bench.g"


@dataclass(frozen=True)
class Shape:
    """Everything about the scenario that follows from the total partition count."""

    partitions: int = 2000

    def __post_init__(self):
        if self.partitions < 4 * PARTITIONS_PER_TOPIC or self.partitions % PARTITIONS_PER_TOPIC != 0:
            raise ValueError(
                f"--partitions must be a multiple of {PARTITIONS_PER_TOPIC} (partitions per topic) "
                f"and at least {4 * PARTITIONS_PER_TOPIC} (four topics), not {self.partitions}"
            )

    @property
    def topics(self) -> int:
        return self.partitions // PARTITIONS_PER_TOPIC

    @property
    def tail_topics(self) -> int:
        return self.topics // 4  # 2 of 10 topics at P = 500

    @property
    def groups(self) -> int:
        return self.partitions // 10

    def topic(self, t: int) -> str:
        return f"{TOPIC_PREFIX}{t:03d}"

    def group(self, g: int) -> str:
        return f"{GROUP_PREFIX}{g:03d}"

    def is_tail(self, t: int) -> bool:
        return t < self.tail_topics

    def records(self, t: int) -> int:
        """Records in each partition of topic number t (= its end offset)."""
        return TAIL_RECORDS if self.is_tail(t) else BASE_RECORDS

    def group_topics(self, g: int) -> list:
        """Topic numbers group g has committed on: a quarter of them."""
        return [t for t in range(self.topics) if t % 4 == g % 4]

    def tail_partitions(self) -> list:
        """(topic, partition) of every partition of the tail topics."""
        return [(self.topic(t), p) for t in range(self.tail_topics) for p in range(PARTITIONS_PER_TOPIC)]

    def all_partitions(self) -> list:
        return [(self.topic(t), p) for t in range(self.topics) for p in range(PARTITIONS_PER_TOPIC)]

    def commits(self) -> int:
        """(group, partition) pairs committed on each cluster (= checkpoint records)."""
        return sum(len(self.group_topics(g)) for g in range(self.groups)) * PARTITIONS_PER_TOPIC

    def records_per_cluster(self) -> int:
        return sum(self.records(t) for t in range(self.topics)) * PARTITIONS_PER_TOPIC


# --- records -------------------------------------------------------------------------------


def record_key(topic: str, partition: int, i: int) -> bytes:
    return f"k{topic}-{partition}-{i}".encode()


def record_value(topic: str, partition: int, i: int) -> bytes:
    """100 deterministic bytes derived from (topic, partition, i)."""
    return hashlib.shake_128(f"{topic}/{partition}/{i}".encode()).digest(PAYLOAD_BYTES)


def record_headers(i: int) -> list:
    return [("h", str(i).encode())]


# --- MirrorMaker 2 checkpoint codec (connect/mirror-client Checkpoint.java) -----------------


def _string(s: str) -> bytes:
    """MM2's STRING: INT16 length, then UTF-8 bytes (big-endian, not nullable)."""
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def encode_checkpoint(group: str, topic: str, partition: int, upstream: int, downstream: int, metadata: str = ""):
    """(key, value) of a checkpoint record, value format version 0."""
    key = _string(group) + _string(topic) + struct.pack(">i", partition)
    value = struct.pack(">hqq", 0, upstream, downstream) + _string(metadata)
    return key, value


def decode_checkpoint(key: bytes, value: bytes):
    """(group, topic, partition, upstream, downstream, metadata); raises ValueError if malformed."""

    def string(b: bytes, at: int):
        (n,) = struct.unpack_from(">h", b, at)
        if n < 0 or at + 2 + n > len(b):
            raise ValueError("bad STRING")
        return b[at + 2 : at + 2 + n].decode(), at + 2 + n

    group, at = string(key, 0)
    topic, at = string(key, at)
    (partition,) = struct.unpack_from(">i", key, at)
    if at + 4 != len(key):
        raise ValueError("trailing bytes in checkpoint key")
    version, upstream, downstream = struct.unpack_from(">hqq", value, 0)
    if version != 0:
        raise ValueError(f"checkpoint version {version}")
    metadata, at = string(value, 18)
    if at != len(value):
        raise ValueError("trailing bytes in checkpoint value")
    return group, topic, partition, upstream, downstream, metadata


# The golden example (also in the Rust codec's tests): the encoder must reproduce it exactly.
_GOLDEN = encode_checkpoint("g1", "src.t", 3, 100, 42, "")
assert _GOLDEN == (
    bytes.fromhex("0002 6731 0005 7372 632e 74 00000003"),
    bytes.fromhex("0000 0000000000000064 000000000000002a 0000"),
), _GOLDEN
assert decode_checkpoint(*_GOLDEN) == ("g1", "src.t", 3, 100, 42, "")


# --- cluster operations ----------------------------------------------------------------------


class SetupError(Exception):
    pass


def producer_config(bootstrap: str) -> dict:
    # Big batches: tansu stores one batch per SQL transaction, so few large batches are fast.
    return {
        "bootstrap.servers": bootstrap,
        "linger.ms": 100,
        "batch.num.messages": 10000,
        "batch.size": 4 * 1024 * 1024,
        "message.max.bytes": 8 * 1024 * 1024,
        "queue.buffering.max.messages": 2_000_000,
        "queue.buffering.max.kbytes": 2_000_000,
        "compression.type": "none",
        "acks": "all",
        "enable.idempotence": False,
    }


def create_topics(admin: AdminClient, topics: list):
    futures = admin.create_topics(topics, operation_timeout=60, request_timeout=120)
    errors = []
    for name, future in futures.items():
        try:
            future.result()
        except KafkaException as e:
            errors.append(f"{name}: {e.args[0].str()}")
    if errors:
        raise SetupError(f"create topics: {len(errors)} failed, first: {errors[0]}")


def produce_all(bootstrap: str, records, expected: int, what: str):
    """Produce (topic, partition, key, value, headers, timestamp) tuples; every delivery must succeed."""
    producer = Producer(producer_config(bootstrap))
    failures = []
    delivered = [0]

    def on_delivery(err, msg):
        if err is not None:
            failures.append(f"{msg.topic()}[{msg.partition()}]: {err}")
        else:
            delivered[0] += 1

    produced = 0
    for topic, partition, key, value, headers, timestamp in records:
        while True:
            try:
                kwargs = {"key": key, "value": value, "partition": partition, "on_delivery": on_delivery}
                if headers:
                    kwargs["headers"] = headers
                if timestamp is not None:
                    kwargs["timestamp"] = timestamp
                producer.produce(topic, **kwargs)
                break
            except BufferError:  # local queue full: let deliveries drain it
                producer.poll(0.1)
        produced += 1
        if produced % 50000 == 0:
            producer.poll(0)
    left = producer.flush(600)
    if left:
        raise SetupError(f"{what}: {left} records still undelivered after 600 s")
    if failures:
        raise SetupError(f"{what}: {len(failures)} delivery failures, first: {failures[0]}")
    if produced != expected or delivered[0] != expected:
        raise SetupError(f"{what}: produced {produced}, delivered {delivered[0]}, expected {expected}")


def scenario_records(shape: Shape):
    """Every benchmark record, grouped by partition (so each partition gets whole batches)."""
    for t in range(shape.topics):
        topic = shape.topic(t)
        for p in range(PARTITIONS_PER_TOPIC):
            for i in range(shape.records(t)):
                yield topic, p, record_key(topic, p, i), record_value(topic, p, i), record_headers(i), BASE_TIMESTAMP + i


def end_offsets(admin: AdminClient, partitions: list) -> dict:
    request = {TopicPartition(topic, p): OffsetSpec.latest() for topic, p in partitions}
    out = {}
    for tp, future in admin.list_offsets(request, request_timeout=120).items():
        out[(tp.topic, tp.partition)] = future.result().offset
    return out


def check_end_offsets(admin: AdminClient, shape: Shape, what: str) -> dict:
    """The end offset of every benchmark partition; each must equal the records produced."""
    ends = end_offsets(admin, shape.all_partitions())
    for t in range(shape.topics):
        for p in range(PARTITIONS_PER_TOPIC):
            got = ends[(shape.topic(t), p)]
            if got != shape.records(t):
                raise SetupError(f"{what}: {shape.topic(t)}[{p}] ends at {got}, expected {shape.records(t)}")
    return ends


def commit_group(bootstrap: str, group: str, offsets: list):
    """Commit offsets for a group without joining it: one OffsetCommit with all its partitions."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        result = consumer.commit(offsets=offsets, asynchronous=False)
        bad = [tp for tp in result if tp.error is not None]
        if bad or len(result) != len(offsets):
            first = f"{bad[0].topic}[{bad[0].partition}]: {bad[0].error}" if bad else "partitions missing"
            raise SetupError(f"commit {group}: {len(bad)} partitions failed, first: {first}")
    except KafkaException as e:
        raise SetupError(f"commit {group}: {e.args[0].str()}") from None
    finally:
        consumer.close()


def group_offsets(shape: Shape, g: int, ends: dict) -> list:
    return [
        TopicPartition(shape.topic(t), p, ends[(shape.topic(t), p)])
        for t in shape.group_topics(g)
        for p in range(PARTITIONS_PER_TOPIC)
    ]


def commit_groups(bootstrap: str, shape: Shape, ends: dict, what: str):
    # A few groups at a time: each commit is one round trip, and tansu writes them one by one.
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(commit_group, bootstrap, shape.group(g), group_offsets(shape, g, ends)) for g in range(shape.groups)]
        for f in futures:
            f.result()


def checkpoint_records(shape: Shape, ends: dict):
    for g in range(shape.groups):
        for tp in group_offsets(shape, g, ends):
            key, value = encode_checkpoint(shape.group(g), tp.topic, tp.partition, tp.offset, tp.offset)
            yield CHECKPOINTS_TOPIC, 0, key, value, None, None


# --- setup -------------------------------------------------------------------------------------


def setup_cluster(role: str, bootstrap: str, shape: Shape, timings: dict):
    """One cluster's part of the scenario; the target also gets the checkpoints topic."""
    started = time.monotonic()

    def lap(phase):
        timings[f"{role}_{phase}"] = round(time.monotonic() - started, 2)

    admin = AdminClient({"bootstrap.servers": bootstrap})
    topics = [NewTopic(shape.topic(t), PARTITIONS_PER_TOPIC, 1) for t in range(shape.topics)]
    if role == "target":
        topics.append(NewTopic(CHECKPOINTS_TOPIC, 1, 1, config={"cleanup.policy": "compact"}))
    create_topics(admin, topics)
    lap("topics")
    produce_all(bootstrap, scenario_records(shape), shape.records_per_cluster(), f"{role} records")
    lap("records")
    ends = check_end_offsets(admin, shape, role)
    commit_groups(bootstrap, shape, ends, role)
    lap("commits")
    if role == "target":
        produce_all(bootstrap, checkpoint_records(shape, ends), shape.commits(), "target checkpoints")
        got = end_offsets(admin, [(CHECKPOINTS_TOPIC, 0)])[(CHECKPOINTS_TOPIC, 0)]
        if got != shape.commits():
            raise SetupError(f"target: {CHECKPOINTS_TOPIC} ends at {got}, expected {shape.commits()}")
        lap("checkpoints")


def setup(source: str, target: str, shape: Shape) -> dict:
    started = time.monotonic()
    timings = {}
    errors = []

    def run(role, bootstrap):
        try:
            setup_cluster(role, bootstrap, shape, timings)
        except Exception as e:  # reported below; the other cluster's thread finishes first
            errors.append(f"{role}: {e}")

    # The two clusters are independent: build them at the same time.
    threads = [threading.Thread(target=run, args=a) for a in (("source", source), ("target", target))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise SetupError("; ".join(errors))
    return {
        "partitions": shape.partitions,
        "topics": shape.topics,
        "tail_partitions": len(shape.tail_partitions()),
        "records_per_cluster": shape.records_per_cluster(),
        "groups": shape.groups,
        "commits_per_cluster": shape.commits(),
        "checkpoint_records": shape.commits(),
        "seconds": round(time.monotonic() - started, 2),
        "seconds_since_start": timings,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("setup", help="build the scenario on two empty clusters")
    s.add_argument("source")
    s.add_argument("target")
    s.add_argument("--partitions", "--scale", type=int, default=2000, help="total partitions (a multiple of 50, at least 200; default 2000)")
    args = parser.parse_args(argv)
    try:
        shape = Shape(args.partitions)
    except ValueError as e:
        parser.error(str(e))
    try:
        summary = setup(args.source, args.target, shape)
    except SetupError as e:
        print(f"scenario.py: {e}", file=sys.stderr)
        return 1
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
