//! The wrong-cluster guard: when the runbook names a cluster id, the cluster must have it.

use super::Clusters;
use crate::runbook::{Role, Runbook};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterIdError {
    /// The cluster answered with another id: stop before anything runs (exit 2).
    Mismatch(String),
    /// The cluster did not answer: the id could not be verified (exit 3).
    Unverified(String),
}

/// A mismatch is invalid usage (exit 2); a cluster that cannot say is an error of it (exit 3).
impl From<ClusterIdError> for crate::error::Error {
    fn from(e: ClusterIdError) -> Self {
        use crate::exit_code::Exit;
        match e {
            ClusterIdError::Mismatch(message) => Self::new(Exit::Invalid, message),
            ClusterIdError::Unverified(message) => Self::new(Exit::CheckError, message),
        }
    }
}

/// When the runbook names a cluster id, refuse to look at a cluster with another one.
pub fn verify(runbook: &Runbook, clusters: &Clusters) -> Result<(), ClusterIdError> {
    for role in [Role::Source, Role::Target] {
        let Some(expected) = &runbook.cluster(role).cluster_id else {
            continue;
        };
        match clusters.get(role).cluster_id() {
            Ok(actual) if actual == expected.value => {}
            Ok(actual) => {
                return Err(ClusterIdError::Mismatch(format!(
                    "wrong cluster: {role} ({}) has cluster id {}, the runbook expects {}",
                    runbook.cluster(role).bootstrap.shown,
                    runbook.secrets.redact(&actual),
                    expected.shown
                )))
            }
            Err(e) => {
                return Err(ClusterIdError::Unverified(format!(
                    "cannot verify the {role} cluster id: {e}"
                )))
            }
        }
    }
    Ok(())
}
