//! Ctrl-C: the first one stops the current wait or prompt and lets the run end cleanly with
//! exit 130 and a consistent journal; a running action gets a grace period to finish.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Install the handler (once per process). Until then `requested` is always false.
pub fn install() {
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // Failing to install leaves the default (immediate exit): the journal stays
            // consistent either way, since every event is fsynced before the next step.
            let _ = signal_hook::flag::register(signal, Arc::clone(&flag));
        }
        flag
    });
}

pub fn requested() -> bool {
    FLAG.get().is_some_and(|flag| flag.load(Ordering::SeqCst))
}
