//! `cutover man`: the man page (roff), from the clap definitions.

use crate::error::{Error, Result};
use crate::exit_code::Exit;

/// `command`: the whole command line's definition (cli.rs's `Cli`).
pub fn exec(command: clap::Command) -> Result<Exit> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(Error::failed)?;
    crate::output::write(&page);
    Ok(Exit::Done)
}
