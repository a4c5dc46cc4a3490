//! One live run, resume or rollback per pair of clusters: an OS file lock (the kernel
//! releases it when the holder dies, so a crash never leaves a stale lock) plus a holder file
//! naming who has it.
//!
//! The lock is keyed by the clusters, not by the runbook file: by both bootstrap lists, and
//! also by both cluster ids when they are known, so two runs against the same source and
//! target conflict whatever runbook file or state directory each uses. Locks live in the
//! per-user state directory (`rundir::user_state_dir`), so they cover one machine: two
//! operators on two machines are not stopped by it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Holder {
    pub run_id: String,
    pub user: String,
    pub host: String,
    pub pid: u32,
    pub since: String,
    /// The runbook file and state directory of the holder, to find it.
    #[serde(default)]
    pub runbook: String,
    #[serde(default)]
    pub state_dir: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "run {} by {}@{} (pid {}) since {}",
            self.run_id, self.user, self.host, self.pid, self.since
        )?;
        if !self.runbook.is_empty() {
            write!(
                f,
                " (runbook {}, state directory {})",
                self.runbook, self.state_dir
            )?;
        }
        Ok(())
    }
}

/// Held for as long as this value lives.
pub struct Lock {
    _file: File,
    holder_path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("these clusters are locked by {0}")]
    Held(String),
    #[error("cannot lock {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A bootstrap list in a form that does not depend on spelling: servers trimmed,
/// lower-cased, sorted, without duplicates.
pub fn normalized_bootstrap(list: &str) -> String {
    let mut servers: Vec<String> = list
        .split(',')
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    servers.sort();
    servers.dedup();
    servers.join(",")
}

/// The lock keys of a source and target: always by bootstrap lists, and by cluster ids when
/// both are known.
pub fn cluster_keys(
    source_bootstrap: &str,
    target_bootstrap: &str,
    ids: Option<(&str, &str)>,
) -> Vec<String> {
    let mut keys = vec![format!(
        "bootstrap\0{}\0{}",
        normalized_bootstrap(source_bootstrap),
        normalized_bootstrap(target_bootstrap)
    )];
    if let Some((source, target)) = ids {
        keys.push(format!("cluster-id\0{source}\0{target}"));
    }
    keys
}

/// The lock file of a key under `dir` (the per-user state directory). Only a digest of the
/// key is on disk: bootstrap lists may be secrets.
pub fn key_path(dir: &Path, key: &str) -> PathBuf {
    use sha2::{Digest, Sha256};
    let name = crate::runbook::hex(&Sha256::digest(key.as_bytes())[..12]);
    dir.join("locks").join(format!("{name}.lock"))
}

/// Every key's lock, or none: the first one held by someone else is the error.
pub fn acquire_all(dir: &Path, keys: &[String], holder: &Holder) -> Result<Vec<Lock>, LockError> {
    keys.iter()
        .map(|key| acquire(&key_path(dir, key), holder))
        .collect()
}

pub fn acquire(path: &Path, holder: &Holder) -> Result<Lock, LockError> {
    let io = |source| LockError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(io)?;
    let holder_path = path.with_extension("holder.json");
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let who = std::fs::read_to_string(&holder_path)
                .ok()
                .and_then(|text| serde_json::from_str::<Holder>(&text).ok())
                .map(|h| h.to_string())
                .unwrap_or_else(|| "another cutover process".into());
            return Err(LockError::Held(who));
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    let mut info = File::create(&holder_path).map_err(io)?;
    info.write_all(
        serde_json::to_string(holder)
            .expect("holder serializes")
            .as_bytes(),
    )
    .map_err(io)?;
    Ok(Lock {
        _file: file,
        holder_path,
    })
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.holder_path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locks/x.lock");
        let holder = Holder {
            run_id: "20261123T221500Z-4f2a".into(),
            user: "ops".into(),
            host: "bastion".into(),
            pid: 42,
            since: "2026-11-23T22:15:00Z".into(),
            runbook: "/srv/a.yaml".into(),
            state_dir: "/srv/.cutover".into(),
        };
        let first = acquire(&path, &holder).unwrap();
        match acquire(&path, &holder) {
            Err(LockError::Held(who)) => assert!(who.contains("ops@bastion (pid 42)"), "{who}"),
            _ => panic!("second lock must be refused"),
        }
        drop(first);
        assert!(acquire(&path, &holder).is_ok());
    }

    #[test]
    fn keys_ignore_bootstrap_spelling_and_add_ids_when_known() {
        let a = cluster_keys("B:9092, a:9092", "t:1", None);
        let b = cluster_keys("a:9092,b:9092", "t:1", None);
        assert_eq!(a, b);
        assert_ne!(a, cluster_keys("a:9092,b:9092", "t:2", None));
        let with_ids = cluster_keys("x:1", "y:1", Some(("src-id", "tgt-id")));
        assert_eq!(with_ids.len(), 2);
        // Same clusters under other bootstrap names: the id key still conflicts.
        let other = cluster_keys("x.internal:1", "y.internal:1", Some(("src-id", "tgt-id")));
        assert_eq!(with_ids[1], other[1]);
        let dir = tempfile::tempdir().unwrap();
        let holder = Holder {
            run_id: "r1".into(),
            user: "ops".into(),
            host: "h".into(),
            pid: 1,
            since: "t".into(),
            runbook: "a.yaml".into(),
            state_dir: "s".into(),
        };
        let _held = acquire_all(dir.path(), &with_ids, &holder).unwrap();
        assert!(matches!(
            acquire_all(dir.path(), &other, &holder),
            Err(LockError::Held(_))
        ));
    }
}
