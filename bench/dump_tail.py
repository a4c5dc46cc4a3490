#!/usr/bin/env python3
"""Print the last N records of one partition, one line per record, for `diff`.

    dump_tail.py BOOTSTRAP TOPIC PARTITION N

Each line is: base64(key) base64(value) headers timestamp_type:timestamp, where headers is
comma-separated base64(header key):base64(header value) ("-" stands for a null key, value or
header value, and for no headers). Offsets are left out: a mirror may place records at other
offsets. This is the kcat + base64 step of the "seed 000 method" (peer_tail_diff.sh); kcat
itself does not work against tansu, so this is the same job with confluent-kafka.
Exits 1 on any error or if the partition cannot be read to its end.
"""
import base64
import sys
import time

from confluent_kafka import Consumer, TopicPartition

TIMEOUT = 120


def b64(b):
    return "-" if b is None else base64.b64encode(b).decode()


def line(msg):
    headers = ",".join(f"{b64(k.encode())}:{b64(v)}" for k, v in (msg.headers() or [])) or "-"
    ts_type, ts = msg.timestamp()
    return f"{b64(msg.key())} {b64(msg.value())} {headers} {ts_type}:{ts}"


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    bootstrap, topic, partition, n = argv[0], argv[1], int(argv[2]), int(argv[3])
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "bench-dump-tail",  # required by the client; assign() only, nothing committed
        "enable.auto.commit": False,
        # tansu answers a fetch in time proportional to the records after the fetch offset:
        # start at the tail and take it in one fetch.
        "max.partition.fetch.bytes": 16 * 1024 * 1024,
        "fetch.max.bytes": 64 * 1024 * 1024,
        # tansu 0.6.0 sleeps in every Fetch, even one with data (half of a max wait of 250 ms
        # or more, else all of it): with librdkafka's default of 500 ms each dump would spend
        # 0.25 s waiting for nothing.
        "fetch.wait.max.ms": 1,
    })
    try:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=TIMEOUT, cached=False)
        start = max(low, high - n)
        out = []
        if high > start:
            consumer.assign([TopicPartition(topic, partition, start)])
            deadline = time.monotonic() + TIMEOUT
            position = start
            while position < high:
                if time.monotonic() > deadline:
                    print(f"dump_tail.py: {topic}[{partition}] read to {position} of {high} in {TIMEOUT} s", file=sys.stderr)
                    return 1
                msg = consumer.poll(0.1)
                if msg is None:
                    continue
                if msg.error():
                    print(f"dump_tail.py: {topic}[{partition}]: {msg.error()}", file=sys.stderr)
                    return 1
                if msg.offset() >= start:
                    out.append(line(msg))
                position = msg.offset() + 1
        sys.stdout.write("".join(l + "\n" for l in out))
        return 0
    finally:
        consumer.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
