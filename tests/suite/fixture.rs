//! Test fixtures written with plain rdkafka clients: topics, records, group commits.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

pub const TIMEOUT: Duration = Duration::from_secs(10);

pub fn config(bootstrap: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", bootstrap);
    config
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

pub fn create_topic(bootstrap: &str, name: &str, partitions: i32, configs: &[(&str, &str)]) {
    let admin: AdminClient<DefaultClientContext> = config(bootstrap).create().unwrap();
    let mut topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
    for (key, value) in configs {
        topic = topic.set(key, value);
    }
    let created = block_on(admin.create_topics(
        &[topic],
        &AdminOptions::new().request_timeout(Some(TIMEOUT)),
    ))
    .unwrap();
    assert!(
        created.iter().all(Result::is_ok),
        "create {name}: {created:?}"
    );
}

/// A record to produce: key, value, headers, timestamp.
#[derive(Clone, Debug)]
pub struct Rec {
    pub key: Option<String>,
    pub value: Option<String>,
    pub headers: Vec<(String, String)>,
    pub timestamp: Option<i64>,
}

pub fn rec(key: &str, value: &str) -> Rec {
    Rec {
        key: Some(key.into()),
        value: Some(value.into()),
        headers: Vec::new(),
        timestamp: Some(1_700_000_000_000),
    }
}

/// Numbered records k{i}/v{i} for i in range, all with a fixed timestamp per index.
pub fn numbered(range: std::ops::Range<usize>) -> Vec<Rec> {
    range
        .map(|i| Rec {
            timestamp: Some(1_700_000_000_000 + i as i64),
            ..rec(&format!("k{i}"), &format!("v{i}"))
        })
        .collect()
}

/// Produce `records` to one partition, in one batch when they fit.
pub fn produce(bootstrap: &str, topic: &str, partition: i32, records: &[Rec]) {
    let producer: ThreadedProducer<DefaultProducerContext> = config(bootstrap)
        .set("linger.ms", "100")
        .set("batch.num.messages", "10000")
        .create()
        .unwrap();
    for r in records {
        let mut headers = OwnedHeaders::new();
        for (k, v) in &r.headers {
            headers = headers.insert(Header {
                key: k,
                value: Some(v),
            });
        }
        let mut record: BaseRecord<'_, String, String> =
            BaseRecord::to(topic).partition(partition).headers(headers);
        if let Some(key) = &r.key {
            record = record.key(key);
        }
        if let Some(value) = &r.value {
            record = record.payload(value);
        }
        if let Some(ts) = r.timestamp {
            record = record.timestamp(ts);
        }
        producer.send(record).map_err(|(e, _)| e).unwrap();
    }
    producer.flush(TIMEOUT).unwrap();
}

/// Commit offsets for `group` without joining it, as an operator's tool would.
pub fn commit(bootstrap: &str, group: &str, offsets: &[(&str, i32, i64)]) {
    let consumer: BaseConsumer = config(bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut list = TopicPartitionList::new();
    for (topic, partition, offset) in offsets {
        list.add_partition_offset(topic, *partition, Offset::Offset(*offset))
            .unwrap();
    }
    consumer.commit(&list, CommitMode::Sync).unwrap();
}
