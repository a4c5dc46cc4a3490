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

/// Produce raw key/value records (for MM2's binary formats).
pub fn produce_bytes(bootstrap: &str, topic: &str, partition: i32, records: &[(Vec<u8>, Vec<u8>)]) {
    let producer: ThreadedProducer<DefaultProducerContext> = config(bootstrap).create().unwrap();
    for (key, value) in records {
        producer
            .send(
                BaseRecord::to(topic)
                    .partition(partition)
                    .key(key)
                    .payload(value),
            )
            .map_err(|(e, _)| e)
            .unwrap();
    }
    producer.flush(TIMEOUT).unwrap();
}

/// A consumer that has joined a group and stays in it until dropped.
pub struct Member {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Member {
    pub fn join(bootstrap: &str, group: &str, topic: &str) -> Member {
        let consumer: BaseConsumer = config(bootstrap)
            .set("group.id", group)
            .set("client.id", "billing-app")
            .set("enable.auto.commit", "false")
            .create()
            .unwrap();
        consumer.subscribe(&[topic]).unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let (joined_tx, joined_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut told = false;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = consumer.poll(Duration::from_millis(100));
                if !told
                    && consumer
                        .assignment()
                        .map(|a| a.count() > 0)
                        .unwrap_or(false)
                {
                    let _ = joined_tx.send(());
                    told = true;
                }
            }
        });
        joined_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the consumer joined its group");
        Member {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
