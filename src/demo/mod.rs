//! `cutover demo`: a whole cutover on two embedded clusters, through the real executor.

pub mod connect;
pub mod control;
pub mod world;

use std::path::{Path, PathBuf};

use crate::engine::Mode;
use crate::error::{Error, Result};
use crate::exit_code::Exit;
use crate::journal::rundir;
use crate::session::{self, Answering, Start};

/// The bundled runbook (also in runbooks/demo.yaml, where `cutover validate` checks it).
pub const RUNBOOK: &str = include_str!("../../runbooks/demo.yaml");

pub struct Options {
    pub yes: bool,
    pub keep: bool,
    pub rollback: bool,
    pub dir: PathBuf,
}

pub fn run(options: Options) -> Result<Exit> {
    match demo(&options) {
        Ok(exit) => exit,
        Err(e) => Err(Error::failed(format!("the demo could not start: {e:#}"))),
    }
}

/// The demo's own failures (its world, its files) are the outer error; the run's, the inner.
fn demo(options: &Options) -> anyhow::Result<Result<Exit>> {
    let dir = &options.dir;
    std::fs::create_dir_all(dir)?;
    let runbook = dir.join("demo.yaml");
    std::fs::write(&runbook, RUNBOOK)?;
    eprintln!(
        "Starting two embedded clusters (librdkafka's mock cluster) and a simulated world..."
    );
    let world = world::World::start()?;
    let socket = control::serve(&dir.join("control.sock"), world.controls())?;
    let connect_url = connect::serve(world.controls())?;
    // The runbook reads the clusters from the environment, and its actions reach the world
    // through the control socket; children of this process inherit both.
    let exe = std::env::current_exe()?;
    std::env::set_var("CUTOVER_DEMO_SOURCE", world.source.bootstrap_servers());
    std::env::set_var("CUTOVER_DEMO_TARGET", world.target.bootstrap_servers());
    std::env::set_var(control::SOCKET_ENV, &socket);
    std::env::set_var(connect::URL_ENV, &connect_url);
    std::env::set_var(
        "CUTOVER_DEMO_CTL",
        format!("{} demo control", exe.display()),
    );
    eprintln!(
        "source: {}  target: {}  mirror's Connect REST API: {connect_url}  (demo directory: {})\n",
        world.source.bootstrap_servers(),
        world.target.bootstrap_servers(),
        dir.display()
    );
    let state_dir = dir.join(".cutover");
    let answering = Answering {
        yes: options.yes,
        answers: None,
        prompt_timeout: None,
    };
    // An earlier demo's unfinished run cannot go on: its clusters ended with its process.
    let reason = "a new demo started: the clusters of this one ended with its process";
    if let Err(error) = session::unfinished::start_over(&state_dir, &runbook, reason) {
        return Ok(Err(error));
    }
    let exit = match session::start(Start {
        runbook: &runbook,
        state_dir: &state_dir,
        answering: &answering,
        mode: Mode::Forward,
        dry_run: false,
        run_commands: false,
        past_point_of_no_return: false,
        rollback_of: None,
        again: false,
        without: Default::default(),
    }) {
        Ok(exit) => exit,
        Err(error) => return Ok(Err(error)),
    };
    let forward = rundir::newest(&state_dir)?;
    let mut reports = vec![report(&state_dir, &forward.run_id, dir)?];
    let mut exit = exit;
    if options.rollback && exit == Exit::Done {
        eprintln!(
            "\nNow the rollback of run {}, newest step first.\n",
            forward.run_id
        );
        let rolled_back = session::rollback::start(
            &state_dir,
            session::rollback::Options {
                run_id: Some(&forward.run_id),
                dry_run: false,
                past_point_of_no_return: options.yes,
                again: false,
                without: Default::default(),
            },
            &answering,
        );
        let rolled_back = match rolled_back {
            Ok(exit) => exit,
            Err(error) => return Ok(Err(error)),
        };
        let rollback = rundir::newest(&state_dir)?;
        reports.push(report(&state_dir, &rollback.run_id, dir)?);
        // Unattended, the demo's steps without undo_verifies are done but not confirmed
        // (exit 7): the rollback finished, its reports are shown.
        if !matches!(rolled_back, Exit::Done | Exit::Unconfirmed) {
            return Ok(Ok(rolled_back));
        }
        exit = rolled_back;
    }
    eprintln!();
    for path in &reports {
        crate::outln!("Report: {}", path.display());
    }
    // Hints run as printed: the program as it was run, and the demo directory (absolute:
    // the hint may be copied into another directory).
    let absolute = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let dir_word = rundir::shell_word(&absolute.display().to_string());
    if !options.rollback {
        eprintln!(
            "The demo's clusters end with this process, so this run cannot be rolled back later. To see a rollback: {} demo --rollback --dir {dir_word}{} (a new demo run, then its rollback, newest step first)",
            rundir::program(),
            if options.yes { " --yes" } else { "" }
        );
    }
    let state_word = rundir::shell_word(&absolute.join(".cutover").display().to_string());
    eprintln!(
        "Runs and journals are in {}: {} status --state-dir {state_word}",
        absolute.join(".cutover").display(),
        rundir::program()
    );
    if options.keep {
        eprintln!(
            "--keep: the clusters stay up until Ctrl-C ({} check {} works from another terminal with the environment above).",
            rundir::program(),
            rundir::shell_word(&absolute.join("demo.yaml").display().to_string())
        );
        crate::interrupt::install();
        while !crate::interrupt::requested() {
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }
    drop(world);
    Ok(Ok(exit))
}

/// Write the Markdown and HTML reports of a run next to the demo runbook.
fn report(state_dir: &Path, run_id: &str, dir: &Path) -> anyhow::Result<PathBuf> {
    let state = rundir::load(state_dir, run_id)?;
    let report = crate::report::build(state_dir, &state)?;
    let html = dir.join(format!("report-{run_id}.html"));
    std::fs::write(&html, crate::report::html::render(&report))?;
    std::fs::write(
        dir.join(format!("report-{run_id}.md")),
        crate::report::markdown::render(&report),
    )?;
    Ok(html)
}
