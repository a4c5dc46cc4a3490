//! Ctrl-C: the first one stops the current wait or prompt and lets the run end cleanly with
//! exit 130 and a consistent journal; a running action gets a grace period to finish. A
//! second Ctrl-C within two seconds of the first exits at once: the running action's process
//! group gets SIGTERM, then SIGKILL, and the action stays in doubt in the journal.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::cancel::Cancel;

/// A second Ctrl-C within this long of the previous one exits at once.
pub const SECOND_WITHIN: Duration = Duration::from_secs(2);
/// After a second Ctrl-C the run has this long to journal and exit before the process ends
/// itself (killing the action's group): a request or a read that blocks cannot hold it.
pub const HARD_EXIT_AFTER: Duration = Duration::from_millis(2500);

static INSTALLED: OnceLock<()> = OnceLock::new();
static TOKEN: OnceLock<Cancel> = OnceLock::new();
static REQUESTED: AtomicBool = AtomicBool::new(false);
static HARD: AtomicBool = AtomicBool::new(false);
/// The process group of the running action or command check (0: none).
static CHILD_GROUP: AtomicI32 = AtomicI32::new(0);
static LAST: Mutex<Option<Instant>> = Mutex::new(None);

/// Install the handler (once per process). Until then `requested` is always false.
pub fn install() {
    INSTALLED.get_or_init(|| {
        use signal_hook::consts::{SIGINT, SIGTERM};
        // Failing to install leaves the default (immediate exit): the journal stays
        // consistent either way, since every event is fsynced before the next step.
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return;
        };
        std::thread::spawn(move || {
            for _ in signals.forever() {
                received(Instant::now());
            }
        });
    });
}

/// One Ctrl-C (or SIGTERM) at `now`.
fn received(now: Instant) {
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    let second = last.is_some_and(|at| now.duration_since(at) <= SECOND_WITHIN);
    *last = Some(now);
    REQUESTED.store(true, Ordering::SeqCst);
    token().cancel();
    if second && !HARD.swap(true, Ordering::SeqCst) {
        eprintln!("\nsecond Ctrl-C: stopping now");
        std::thread::spawn(|| {
            std::thread::sleep(HARD_EXIT_AFTER);
            // The run did not manage to end by itself: end the action's group and exit.
            let group = CHILD_GROUP.load(Ordering::SeqCst);
            if group > 0 {
                unsafe {
                    libc::kill(-group, libc::SIGKILL);
                }
            }
            let _ = console::Term::stderr().show_cursor();
            unsafe { libc::_exit(130) };
        });
    }
}

/// The token a Ctrl-C (or SIGTERM) cancels, for the checks (`checks::Clusters::cancel`).
pub fn token() -> Cancel {
    TOKEN.get_or_init(Cancel::default).clone()
}

/// Ctrl-C (or SIGTERM) was received at least once.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// A second Ctrl-C came within two seconds of the previous one: stop everything now.
pub fn hard() -> bool {
    HARD.load(Ordering::SeqCst)
}

/// The process group now running (an action or a command check), for the hard exit.
pub fn set_child_group(group: i32) {
    CHILD_GROUP.store(group, Ordering::SeqCst);
}

pub fn clear_child_group() {
    CHILD_GROUP.store(0, Ordering::SeqCst);
}
