//! The harness itself: two real brokers answer produce, end offsets and group commits.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use crate::support::Broker;

const TIMEOUT: Duration = Duration::from_secs(10);

fn config(bootstrap: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", bootstrap);
    config
}

async fn produce_commit_and_read_back(broker: &Broker) {
    let admin: AdminClient<DefaultClientContext> = config(&broker.bootstrap).create().unwrap();
    let created = admin
        .create_topics(
            &[NewTopic::new("smoke", 2, TopicReplication::Fixed(1))],
            &AdminOptions::new().request_timeout(Some(TIMEOUT)),
        )
        .await
        .unwrap();
    assert!(created.iter().all(Result::is_ok), "{created:?}");

    // One batch: linger long enough that all 30 records leave together.
    let producer: ThreadedProducer<DefaultProducerContext> = config(&broker.bootstrap)
        .set("linger.ms", "500")
        .set("batch.num.messages", "1000")
        .create()
        .unwrap();
    for i in 0..30 {
        let key = format!("k{i}");
        let value = format!("v{i}");
        producer
            .send(
                BaseRecord::to("smoke")
                    .partition(0)
                    .key(&key)
                    .payload(&value),
            )
            .map_err(|(e, _)| e)
            .unwrap();
    }
    producer.flush(TIMEOUT).unwrap();

    let consumer: BaseConsumer = config(&broker.bootstrap)
        .set("group.id", "smoke-group")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let (low, high) = consumer.fetch_watermarks("smoke", 0, TIMEOUT).unwrap();
    assert_eq!((low, high), (0, 30), "{}", broker.name);

    let mut offsets = TopicPartitionList::new();
    offsets
        .add_partition_offset("smoke", 0, Offset::Offset(17))
        .unwrap();
    consumer.commit(&offsets, CommitMode::Sync).unwrap();
    let mut wanted = TopicPartitionList::new();
    wanted.add_partition("smoke", 0);
    let committed = consumer.committed_offsets(wanted, TIMEOUT).unwrap();
    assert_eq!(
        committed.find_partition("smoke", 0).unwrap().offset(),
        Offset::Offset(17),
        "{}",
        broker.name
    );
}

#[tokio::test]
async fn two_brokers_take_a_batch_and_a_group_commit() {
    let source = Broker::start("src");
    let target = Broker::start("tgt");
    assert_ne!(source.bootstrap, target.bootstrap);
    produce_commit_and_read_back(&source).await;
    produce_commit_and_read_back(&target).await;
}
