//! One live run or resume per runbook: an OS file lock (the kernel releases it when the
//! holder dies, so a crash never leaves a stale lock) plus a holder file naming who has it.

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
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "run {} by {}@{} (pid {}) since {}",
            self.run_id, self.user, self.host, self.pid, self.since
        )
    }
}

/// Held for as long as this value lives.
pub struct Lock {
    _file: File,
    holder_path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("the runbook is locked by {0}")]
    Held(String),
    #[error("cannot lock {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The lock file for a runbook: one per runbook content path, under the state directory.
pub fn lock_path(state_dir: &Path, runbook: &Path) -> PathBuf {
    use sha2::{Digest, Sha256};
    let absolute = std::fs::canonicalize(runbook).unwrap_or_else(|_| runbook.to_path_buf());
    let digest = Sha256::digest(absolute.to_string_lossy().as_bytes());
    let name = crate::runbook::hex(&digest[..8]);
    state_dir.join("locks").join(format!("{name}.lock"))
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
        };
        let first = acquire(&path, &holder).unwrap();
        match acquire(&path, &holder) {
            Err(LockError::Held(who)) => assert!(who.contains("ops@bastion (pid 42)"), "{who}"),
            _ => panic!("second lock must be refused"),
        }
        drop(first);
        assert!(acquire(&path, &holder).is_ok());
    }
}
