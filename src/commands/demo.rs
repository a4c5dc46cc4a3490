//! `cutover demo [--yes] [--keep] [--rollback]` and `cutover demo control ...`

use std::path::PathBuf;

use crate::demo;
use crate::error::Result;
use crate::exit_code::Exit;

pub fn run(yes: bool, keep: bool, rollback: bool, dir: Option<PathBuf>) -> Result<Exit> {
    demo::run(demo::Options {
        yes,
        keep,
        rollback,
        dir: dir.unwrap_or_else(|| PathBuf::from("cutover-demo")),
    })
}

pub fn control(words: &[String]) -> Result<Exit> {
    demo::control::client(words)
}
