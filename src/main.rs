fn main() -> std::process::ExitCode {
    // One malloc arena: glibc gives each thread that allocates (check threads, the thread
    // asking the other cluster) an arena of its own, and the items of a big check, built on
    // one and freed on another, leave them fragmented. Measured on the 2,000-partition
    // benchmark (docs/performance.md): peak RSS 272 MB with the default, 175 MB with one
    // arena, the same verdicts; our CPU time is ~1.3 s of a ~7 s check, so the contention
    // it allows is not felt.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
    match cutover::cli::run() {
        Ok(exit) => exit.into(),
        // The one place an error is printed.
        Err(error) => {
            error.print();
            error.exit().into()
        }
    }
}
