//! `cutover completions SHELL`: a shell completion script, from the clap definitions.

use crate::error::Result;
use crate::exit_code::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// `command`: the whole command line's definition (cli.rs's `Cli`).
pub fn exec(args: Args, mut command: clap::Command) -> Result<Exit> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "cutover", &mut script);
    // A closed pipe (`| head`) ends it quietly with exit 0.
    crate::output::write(&script);
    Ok(Exit::Done)
}
