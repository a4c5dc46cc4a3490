//! The simulated world of the demo: two in-process clusters (librdkafka's mock cluster) and
//! the apps around them. Producers write orders and payments; consumer groups commit as they
//! read; a dam app reads payments on the target; a mirror copies source to target partition by
//! partition and writes MirrorMaker 2 checkpoints in MM2's binary format, syncing offsets to
//! target groups only while they are empty, as MM2 does.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::Message;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use crate::mm2::Checkpoint;

pub const TOPICS: [(&str, i32); 2] = [("orders", 3), ("payments", 2)];
/// Which topics each consumer group reads.
pub const GROUPS: [(&str, &[&str]); 2] = [
    ("billing", &["orders"]),
    ("shipping", &["orders", "payments"]),
];
pub const DAM_GROUP: &str = "enricher";
pub const CHECKPOINTS: &str = "old.checkpoints.internal";
/// Records on the source before the demo starts: the consumers begin with this backlog.
const HISTORY: usize = 1500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Off,
    Source,
    Target,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Off => "stopped",
            Side::Source => "source",
            Side::Target => "target",
        }
    }
}

/// The switches the runbook's actions flip.
#[derive(Debug, Clone)]
pub struct Switches {
    pub producers: Side,
    pub consumers: Side,
    pub dam_open: bool,
    pub mirror: bool,
}

pub struct World {
    pub source: MockCluster<'static, DefaultProducerContext>,
    pub target: MockCluster<'static, DefaultProducerContext>,
    pub switches: Arc<Mutex<Switches>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

fn client(bootstrap: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("log_level", "0");
    config
}

fn producer(bootstrap: &str) -> ThreadedProducer<DefaultProducerContext> {
    client(bootstrap)
        .set("linger.ms", "5")
        .create()
        .expect("a producer for the mock cluster")
}

fn group_consumer(bootstrap: &str, group: &str) -> BaseConsumer {
    client(bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("a consumer for the mock cluster")
}

fn partitions() -> Vec<(String, i32)> {
    TOPICS
        .iter()
        .flat_map(|(t, n)| (0..*n).map(move |p| (t.to_string(), p)))
        .collect()
}

fn end_offset(consumer: &BaseConsumer, topic: &str, partition: i32) -> i64 {
    consumer
        .fetch_watermarks(topic, partition, Duration::from_secs(2))
        .map(|(_, high)| high)
        .unwrap_or(0)
}

fn sleep_unless(stop: &AtomicBool, time: Duration) {
    let until = Instant::now() + time;
    while Instant::now() < until && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl World {
    pub fn start() -> anyhow::Result<World> {
        let source = MockCluster::new(1)?;
        let target = MockCluster::new(1)?;
        for (topic, count) in TOPICS {
            source.create_topic(topic, count, 1)?;
            target.create_topic(topic, count, 1)?;
        }
        target.create_topic(CHECKPOINTS, 1, 1)?;
        // The platform team smoke-tested the new cluster: a few records per partition that
        // the source never had. Target offsets therefore run ahead of the source's, as after
        // a real migration, and only translation (the checkpoints) says where a group resumes.
        let smoke = producer(&target.bootstrap_servers());
        for (topic, count) in TOPICS {
            for p in 0..count {
                for _ in 0..=p {
                    smoke
                        .send(
                            BaseRecord::to(topic)
                                .partition(p)
                                .key("smoke-test")
                                .payload("{\"smoke\":true}"),
                        )
                        .map_err(|(e, _)| e)?;
                }
            }
        }
        smoke.flush(Duration::from_secs(10))?;
        // History the consumers have not read yet.
        let history = producer(&source.bootstrap_servers());
        for i in 0..HISTORY {
            let (topic, count) = TOPICS[i % 2];
            history
                .send(
                    BaseRecord::to(topic)
                        .partition((i as i32 / 2) % count)
                        .key(&format!("{topic}-{i}"))
                        .payload(&format!("{{\"n\":{i}}}")),
                )
                .map_err(|(e, _)| e)?;
        }
        history.flush(Duration::from_secs(10))?;
        let switches = Arc::new(Mutex::new(Switches {
            producers: Side::Source,
            consumers: Side::Source,
            dam_open: true,
            mirror: true,
        }));
        let mut world = World {
            source,
            target,
            switches,
            stop: Arc::new(AtomicBool::new(false)),
            threads: Vec::new(),
        };
        world.spawn_producers();
        for (group, topics) in GROUPS {
            world.spawn_consumers(group, topics);
        }
        world.spawn_dam();
        world.spawn_mirror();
        Ok(world)
    }

    fn bootstraps(&self) -> (String, String) {
        (
            self.source.bootstrap_servers(),
            self.target.bootstrap_servers(),
        )
    }

    fn spawn_producers(&mut self) {
        let (source, target) = self.bootstraps();
        let (switches, stop) = (self.switches.clone(), self.stop.clone());
        self.threads.push(std::thread::spawn(move || {
            let on_source = producer(&source);
            let on_target = producer(&target);
            let mut n = HISTORY;
            while !stop.load(Ordering::Relaxed) {
                let side = switches.lock().map(|s| s.producers).unwrap_or(Side::Off);
                let producer = match side {
                    Side::Source => &on_source,
                    Side::Target => &on_target,
                    Side::Off => {
                        sleep_unless(&stop, Duration::from_millis(50));
                        continue;
                    }
                };
                let (topic, count) = TOPICS[n % 2];
                let _ = producer.send(
                    BaseRecord::to(topic)
                        .partition((n as i32 / 2) % count)
                        .key(&format!("{topic}-{n}"))
                        .payload(&format!("{{\"n\":{n}}}")),
                );
                n += 1;
                sleep_unless(&stop, Duration::from_millis(40));
            }
            let _ = on_source.flush(Duration::from_secs(2));
            let _ = on_target.flush(Duration::from_secs(2));
        }));
    }

    /// A consumer app: reads up to 3 records per partition every 100 ms on its side and
    /// commits. On a switch it picks up the group's committed offsets on the new side.
    fn spawn_consumers(&mut self, group: &'static str, topics: &'static [&'static str]) {
        let (source, target) = self.bootstraps();
        let (switches, stop) = (self.switches.clone(), self.stop.clone());
        self.threads.push(std::thread::spawn(move || {
            let on_source = group_consumer(&source, group);
            let on_target = group_consumer(&target, group);
            let mut positions: HashMap<(String, i32), i64> = HashMap::new();
            let mut current = Side::Off;
            while !stop.load(Ordering::Relaxed) {
                let side = switches.lock().map(|s| s.consumers).unwrap_or(Side::Off);
                let consumer = match side {
                    Side::Source => &on_source,
                    Side::Target => &on_target,
                    Side::Off => {
                        current = Side::Off;
                        sleep_unless(&stop, Duration::from_millis(100));
                        continue;
                    }
                };
                let mut list = TopicPartitionList::new();
                for (topic, count) in TOPICS.iter().filter(|(t, _)| topics.contains(t)) {
                    for p in 0..*count {
                        list.add_partition(topic, p);
                    }
                }
                if side != current {
                    // Resume where the group's commits say, as a restarted app would.
                    positions.clear();
                    if let Ok(committed) =
                        consumer.committed_offsets(list.clone(), Duration::from_secs(2))
                    {
                        for e in committed.elements() {
                            if let Offset::Offset(o) = e.offset() {
                                positions.insert((e.topic().to_string(), e.partition()), o);
                            }
                        }
                    }
                    current = side;
                }
                let mut commit = TopicPartitionList::new();
                for e in list.elements() {
                    let key = (e.topic().to_string(), e.partition());
                    let end = end_offset(consumer, e.topic(), e.partition());
                    let at = positions.entry(key.clone()).or_insert(0);
                    *at = (*at + 3).min(end);
                    let _ = commit.add_partition_offset(&key.0, key.1, Offset::Offset(*at));
                }
                let _ = consumer.commit(&commit, CommitMode::Sync);
                sleep_unless(&stop, Duration::from_millis(100));
            }
        }));
    }

    /// The dam: an app on the target that reads payments while the dam is open.
    fn spawn_dam(&mut self) {
        let (_, target) = self.bootstraps();
        let (switches, stop) = (self.switches.clone(), self.stop.clone());
        self.threads.push(std::thread::spawn(move || {
            let consumer = group_consumer(&target, DAM_GROUP);
            let mut positions: HashMap<i32, i64> = HashMap::new();
            while !stop.load(Ordering::Relaxed) {
                let open = switches.lock().map(|s| s.dam_open).unwrap_or(false);
                if open {
                    let mut commit = TopicPartitionList::new();
                    for p in 0..TOPICS[1].1 {
                        let end = end_offset(&consumer, "payments", p);
                        let at = positions.entry(p).or_insert(0);
                        *at = (*at + 20).min(end);
                        let _ = commit.add_partition_offset("payments", p, Offset::Offset(*at));
                    }
                    let _ = consumer.commit(&commit, CommitMode::Sync);
                }
                sleep_unless(&stop, Duration::from_millis(150));
            }
        }));
    }

    /// The mirror: copies new source records to the same target partition (key, value,
    /// timestamp), remembers where each one landed, and every second writes a checkpoint per
    /// group and partition and syncs the target group's offsets while it is empty there.
    fn spawn_mirror(&mut self) {
        let (source, target) = self.bootstraps();
        let (switches, stop) = (self.switches.clone(), self.stop.clone());
        self.threads.push(std::thread::spawn(move || {
            let reader: BaseConsumer = client(&source)
                .set("group.id", "__demo-mirror")
                .set("enable.auto.commit", "false")
                .set("fetch.wait.max.ms", "50")
                .create()
                .expect("mirror reader");
            let mut assignment = TopicPartitionList::new();
            for (topic, p) in partitions() {
                let _ = assignment.add_partition_offset(&topic, p, Offset::Beginning);
            }
            let _ = reader.assign(&assignment);
            let writer = producer(&target);
            let target_offsets = group_consumer(&target, "__demo-mirror-target");
            let source_groups: Vec<(&str, BaseConsumer)> = GROUPS
                .iter()
                .map(|(g, _)| (*g, group_consumer(&source, g)))
                .collect();
            let target_groups: Vec<(&str, BaseConsumer)> = GROUPS
                .iter()
                .map(|(g, _)| (*g, group_consumer(&target, g)))
                .collect();
            // (topic, partition) -> source offset -> target offset, for translation.
            let mut landed: HashMap<(String, i32), BTreeMap<i64, i64>> = HashMap::new();
            let mut copied_to: HashMap<(String, i32), i64> = HashMap::new();
            let mut last_checkpoint = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                let on = switches.lock().map(|s| s.mirror).unwrap_or(false);
                if !on {
                    sleep_unless(&stop, Duration::from_millis(100));
                    continue;
                }
                // Copy what arrived, partition by partition. The mirror is the target's only
                // writer while it runs, so a partition's records land from its end offset on.
                let mut arrived: BTreeMap<(String, i32), Vec<rdkafka::message::OwnedMessage>> =
                    BTreeMap::new();
                let mut count = 0;
                while let Some(Ok(message)) = reader.poll(Duration::from_millis(20)) {
                    let key = (message.topic().to_string(), message.partition());
                    arrived.entry(key).or_default().push(message.detach());
                    count += 1;
                    if count >= 2000 {
                        break;
                    }
                }
                for (key, messages) in &arrived {
                    let base = end_offset(&target_offsets, &key.0, key.1);
                    for (i, message) in messages.iter().enumerate() {
                        let mut record = BaseRecord::<[u8], [u8]>::to(&key.0).partition(key.1);
                        if let Some(k) = message.key() {
                            record = record.key(k);
                        }
                        if let Some(v) = message.payload() {
                            record = record.payload(v);
                        }
                        if let Some(ts) = message.timestamp().to_millis() {
                            record = record.timestamp(ts);
                        }
                        if writer.send(record).is_err() {
                            break;
                        }
                        landed
                            .entry(key.clone())
                            .or_default()
                            .insert(message.offset(), base + i as i64);
                        copied_to.insert(key.clone(), message.offset() + 1);
                    }
                    // Flush per partition: the next partition's base must see these records.
                    let _ = writer.flush(Duration::from_secs(5));
                }
                if last_checkpoint.elapsed() < Duration::from_secs(1) {
                    continue;
                }
                last_checkpoint = Instant::now();
                let consumers_on_target = switches
                    .lock()
                    .map(|s| s.consumers == Side::Target)
                    .unwrap_or(true);
                for ((group, source_view), (_, target_view)) in
                    source_groups.iter().zip(&target_groups)
                {
                    let mut wanted = TopicPartitionList::new();
                    for (topic, p) in partitions() {
                        wanted.add_partition(&topic, p);
                    }
                    let Ok(committed) =
                        source_view.committed_offsets(wanted, Duration::from_secs(2))
                    else {
                        continue;
                    };
                    let mut sync = TopicPartitionList::new();
                    for e in committed.elements() {
                        let Offset::Offset(upstream) = e.offset() else {
                            continue;
                        };
                        let key = (e.topic().to_string(), e.partition());
                        // MM2's rule: the newest sync at or below U, plus one unless exact.
                        let Some(map) = landed.get(&key) else {
                            continue;
                        };
                        let translated = if copied_to.get(&key) == Some(&upstream) {
                            map.values().next_back().map(|t| t + 1)
                        } else {
                            map.range(..=upstream)
                                .next_back()
                                .map(|(u, t)| t + if *u == upstream { 0 } else { 1 })
                        };
                        let Some(downstream) = translated else {
                            continue;
                        };
                        let (k, v) = Checkpoint {
                            group: group.to_string(),
                            topic: key.0.clone(),
                            partition: key.1,
                            upstream_offset: upstream,
                            downstream_offset: downstream,
                            metadata: String::new(),
                        }
                        .encode();
                        let _ = writer
                            .send(BaseRecord::to(CHECKPOINTS).partition(0).key(&k).payload(&v));
                        let _ =
                            sync.add_partition_offset(&key.0, key.1, Offset::Offset(downstream));
                    }
                    let _ = writer.flush(Duration::from_secs(2));
                    // MM2 writes translated offsets only to groups that are empty on target.
                    if !consumers_on_target && sync.count() > 0 {
                        let _ = target_view.commit(&sync, CommitMode::Sync);
                    }
                }
            }
        }));
    }

    /// The switches, for the control endpoint (the clusters themselves stay on this thread).
    pub fn controls(&self) -> Controls {
        Controls(Arc::clone(&self.switches))
    }
}

/// What the runbook's actions may change in the world.
#[derive(Clone)]
pub struct Controls(Arc<Mutex<Switches>>);

impl Controls {
    /// Flip a switch; the answer is what the control client prints.
    pub fn control(&self, words: &[&str]) -> Result<String, String> {
        let mut s = self
            .0
            .lock()
            .map_err(|_| "the world is broken".to_string())?;
        let side = |w: Option<&&str>| match w.copied() {
            Some("source") | None => Ok(Side::Source),
            Some("target") => Ok(Side::Target),
            Some(other) => Err(format!("unknown side {other} (source or target)")),
        };
        match words {
            ["stop-producers"] => s.producers = Side::Off,
            ["start-producers", rest @ ..] => s.producers = side(rest.first())?,
            ["stop-consumers"] => s.consumers = Side::Off,
            ["start-consumers", rest @ ..] => s.consumers = side(rest.first())?,
            ["open-dam"] => s.dam_open = true,
            ["close-dam"] => s.dam_open = false,
            ["stop-mirror"] => s.mirror = false,
            ["start-mirror"] => s.mirror = true,
            ["expect", what, value] => {
                let actual = match *what {
                    "producers" => s.producers.name().to_string(),
                    "consumers" => s.consumers.name().to_string(),
                    "dam" => (if s.dam_open { "open" } else { "closed" }).to_string(),
                    "mirror" => (if s.mirror { "running" } else { "stopped" }).to_string(),
                    other => return Err(format!("unknown switch {other}")),
                };
                return if actual == *value {
                    Ok(format!("{what} is {actual}"))
                } else {
                    Err(format!("{what} is {actual}, not {value}"))
                };
            }
            ["status"] => {}
            other => return Err(format!("unknown command {other:?}")),
        }
        Ok(format!(
            "producers {}, consumers {}, dam {}, mirror {}",
            s.producers.name(),
            s.consumers.name(),
            if s.dam_open { "open" } else { "closed" },
            if s.mirror { "running" } else { "stopped" }
        ))
    }
}

impl Drop for World {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}
