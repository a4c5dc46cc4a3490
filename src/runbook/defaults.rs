//! What a runbook gets where it does not say: the defaults of the model, in one place
//! (validation fills them in; the plan names the long default lists in short).

use std::time::Duration;

/// Topics MirrorMaker 2 and Kafka itself keep for their own use: selecting them would
/// compare bookkeeping, not data.
pub const DEFAULT_EXCLUDE_TOPICS: [&str; 8] = [
    "__.*",
    ".*[.-]internal",
    ".*\\.replica",
    "heartbeats",
    ".*\\.heartbeats",
    "mm2-.*",
    "connect-.*",
    "_schemas",
];

/// Groups MirrorMaker 2 never checkpoints (its default group filter).
pub const DEFAULT_EXCLUDE_GROUPS: [&str; 3] = ["console-consumer-.*", "connect-.*", "__.*"];

/// How often a check is polled.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// How often a wait prints a `waiting:` line where no progress bar can be drawn.
pub const DEFAULT_PROGRESS_INTERVAL: Duration = Duration::from_secs(10);
/// A check's timeout (and `run_timeout` unless it is set).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
/// Each request to a cluster.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// `producers_quiet`: how long end offsets must stand still.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(30);
/// `tail_match`: records compared at the end of each partition.
pub const DEFAULT_TAIL_RECORDS: u32 = 100;
/// `record_counts`: extra records on target allowed by default when offsets are not
/// preserved (at-least-once mirrors duplicate on restarts and rebalances).
pub const DEFAULT_MAX_EXTRA_RATIO: f64 = 0.01;

/// The configs `topics_match` compares when the runbook does not list them.
pub const DEFAULT_COMPARED_CONFIGS: [&str; 6] = [
    "retention.ms",
    "retention.bytes",
    "cleanup.policy",
    "max.message.bytes",
    "min.insync.replicas",
    "message.timestamp.type",
];
