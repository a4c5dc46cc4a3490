fn main() -> std::process::ExitCode {
    // Before any other thread exists (memory.rs says why).
    cutover::memory::one_arena();
    match cutover::cli::run() {
        Ok(exit) => exit.into(),
        // The one place an error is printed.
        Err(error) => {
            error.print();
            error.exit().into()
        }
    }
}
