//! The allocator's tuning, glibc malloc only (on other targets these do nothing).
//!
//! Measured on the benchmark scenarios (docs/performance.md): the items and commits of a
//! big check are built on one thread and freed on another, and a wait keeps the
//! checkpoint cache between polls while each poll allocates and frees a round's commits.

/// One malloc arena. glibc gives each thread that allocates (check threads, the thread
/// asking the other cluster) an arena of its own, and what is built on one and freed on
/// another leaves them fragmented: peak RSS at 2,000 partitions 272 MB with the default,
/// 175 MB with one arena, the same verdicts; our CPU time is ~1.3 s of a ~7 s check, so
/// the contention it allows is not felt. Call before any other thread exists.
pub fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Give freed memory back to the system. Between the polls of a wait (a poll interval
/// and more), a round's commits are freed but glibc keeps the pages: at 8,000 partitions
/// a wait held ~230 MB between polls, ~120 MB after this (the checkpoint cache and the
/// clients).
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the heap to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}
