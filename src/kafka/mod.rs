//! Cluster access: connections and the batched queries the checks evaluate.

pub mod connection;
pub mod native;

pub use connection::{Connection, KafkaError};
pub use native::{AclBinding, Committed, GroupDescription, GroupListing, Member};
pub use queries::{Record, TopicPartition, Topics};
pub use snapshot::{retain_commits, Commits};
pub mod queries;
pub mod retry;
pub mod snapshot;
