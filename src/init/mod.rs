//! `cutover init`: a runbook generated from the MirrorMaker 2 configuration that really runs.
//!
//! The input is read into one model whatever its format ([`model::Setup`]): a MirrorMaker 2
//! properties file ([`properties`]) or a Strimzi KafkaMirrorMaker2 resource ([`strimzi`]),
//! told apart by content ([`detect`]). One flow is picked, its replication policy gives the
//! topic naming and the checkpoints topic ([`policy`]), its Java regex filters are compiled
//! ([`filters`]), unsafe settings become warnings ([`warnings`]), `--discover` lists what the
//! filters select on the source ([`discover`]), and [`render`] writes the runbook, every
//! generated value with a comment saying where it came from.

pub mod detect;
pub mod discover;
pub mod filters;
pub mod generate;
pub mod model;
pub mod policy;
pub mod properties;
pub mod render;
pub mod security;
pub mod strimzi;
pub mod warnings;

use std::fmt;
use std::path::Path;

pub use generate::{generate, Generated};
pub use model::{Flow, Setup, Warning};

/// Where a generated value came from: a line of the input, or MirrorMaker 2's default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// 1-based line of the input; None for a MirrorMaker 2 default.
    pub line: Option<usize>,
    /// The setting as written (`old->new.topics`, `spec.mirrors[0].topicsPattern`).
    pub setting: String,
}

impl Origin {
    pub fn line(line: usize, setting: impl Into<String>) -> Origin {
        Origin {
            line: Some(line),
            setting: setting.into(),
        }
    }

    pub fn default_of(setting: impl Into<String>) -> Origin {
        Origin {
            line: None,
            setting: setting.into(),
        }
    }

    /// The comment text: `from mm2.properties:12 (topics)` or `MirrorMaker 2's default
    /// (topics not set)`.
    pub fn describe(&self, file: &str) -> String {
        match self.line {
            Some(line) => format!("from {file}:{line} ({})", self.setting),
            None => format!("MirrorMaker 2's default ({} not set)", self.setting),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Sourced<T> {
    pub fn new(value: T, origin: Origin) -> Sourced<T> {
        Sourced { value, origin }
    }
}

/// Bad input: the file, the line when there is one, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl InitError {
    pub fn at(file: &str, line: Option<usize>, message: impl Into<String>) -> InitError {
        InitError {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: error: {}", self.file, self.message),
            None => write!(f, "{}: error: {}", self.file, self.message),
        }
    }
}

/// What `init` was asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `SOURCE->TARGET`, required when several flows are enabled.
    pub flow: Option<String>,
    /// Ask the source which topics and groups the filters select.
    pub discover: bool,
}

/// Read the configuration file and pick the flow.
pub fn read(path: &Path, options: &Options) -> Result<(Setup, usize), InitError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| InitError::at(&file, None, format!("cannot read {file}: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| InitError::at(&file, None, "the file is not valid UTF-8"))?;
    let setup = match detect::detect(&file, &text)? {
        detect::Format::Properties => properties::read(&file, &text)?,
        detect::Format::Strimzi(value) => strimzi::read(&file, &text, &value)?,
    };
    let index = pick(&file, &setup, options.flow.as_deref())?;
    Ok((setup, index))
}

/// The index of the flow to generate for.
fn pick(file: &str, setup: &Setup, wanted: Option<&str>) -> Result<usize, InitError> {
    let names: Vec<String> = setup.flows.iter().map(Flow::name).collect();
    if names.is_empty() {
        return Err(InitError::at(
            file,
            setup.line,
            format!("no enabled replication flow in this {}", setup.format),
        ));
    }
    match wanted {
        Some(wanted) => {
            let normalized: String = wanted.split_whitespace().collect();
            names.iter().position(|n| *n == normalized).ok_or_else(|| {
                InitError::at(
                    file,
                    setup.line,
                    format!(
                        "no enabled flow `{wanted}` in this {} (enabled: {})",
                        setup.format,
                        names.join(", ")
                    ),
                )
            })
        }
        None if names.len() == 1 => Ok(0),
        None => Err(InitError::at(
            file,
            setup.line,
            format!(
                "{} flows are enabled: pick one with --flow ({})",
                names.len(),
                names
                    .iter()
                    .map(|n| format!("--flow '{n}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The file name comments cite (`mm2.properties`, not the whole path).
pub fn cited_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
