//! The demo's control endpoint: a Unix socket the demo listens on, so that the runbook's
//! shell actions (`cutover demo control stop-producers`) really change the simulated world.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use super::world::Controls;

/// The environment variable that tells `cutover demo control` where the socket is.
pub const SOCKET_ENV: &str = "CUTOVER_DEMO_SOCKET";

/// Serve control commands, one line in, one line out ("ok ..." or "error ...").
pub fn serve(path: &Path, controls: Controls) -> std::io::Result<PathBuf> {
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let controls = controls.clone();
            std::thread::spawn(move || answer(stream, &controls));
        }
    });
    Ok(path.to_path_buf())
}

fn answer(stream: UnixStream, world: &Controls) {
    let mut line = String::new();
    let mut reader = BufReader::new(&stream);
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let reply = match world.control(&words) {
        Ok(text) => format!("ok {text}\n"),
        Err(text) => format!("error {text}\n"),
    };
    let mut stream = &stream;
    let _ = stream.write_all(reply.as_bytes());
}

/// `cutover demo control WORDS...`: send one command; exit 0 when the world says ok.
pub fn client(words: &[String]) -> crate::error::Result<crate::exit_code::Exit> {
    use crate::error::Error;
    use crate::exit_code::Exit;
    let Ok(path) = std::env::var(SOCKET_ENV) else {
        return Err(Error::invalid(format!(
            "{SOCKET_ENV} is not set: `cutover demo control` is run by the demo's actions"
        )));
    };
    let mut stream = UnixStream::connect(&path)
        .map_err(|e| Error::failed(format!("the demo is not running ({path}: {e})")))?;
    if stream
        .write_all(format!("{}\n", words.join(" ")).as_bytes())
        .is_err()
    {
        return Err(Error::failed("the demo stopped answering"));
    }
    let mut reply = String::new();
    let _ = BufReader::new(&stream).read_line(&mut reply);
    match reply.trim_end().split_once(' ') {
        Some(("ok", text)) => {
            crate::outln!("{text}");
            Ok(Exit::Done)
        }
        Some((_, text)) => {
            // The world's own answer, as it gave it (the action's log shows it).
            eprintln!("{text}");
            Ok(Exit::Failed)
        }
        None => Err(Error::failed("no answer from the demo")),
    }
}
