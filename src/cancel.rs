//! A cancel token: set once, watched by whatever waits. The engine passes the one Ctrl-C sets
//! (`interrupt::token`) to the checks through `checks::Clusters`; checks never read the
//! signal handler themselves, and a check run without one (`Cancel::default()`) is never
//! cancelled.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Cancel: every clone sees it from now on.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_reaches_every_clone_and_only_them() {
        let token = Cancel::default();
        let clone = token.clone();
        let other = Cancel::default();
        assert!(!clone.is_cancelled());
        token.cancel();
        assert!(clone.is_cancelled() && token.is_cancelled());
        assert!(!other.is_cancelled());
    }
}
