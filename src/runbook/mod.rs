//! The runbook: YAML model, parsing with positions, validation, env interpolation.

pub mod defaults;
pub mod diagnostic;
pub mod files;
pub mod interpolate;
pub mod jaas;
pub mod java;
pub mod librdkafka;
pub mod locate;
pub mod model;
pub mod open;
pub mod properties;
pub mod raw;
pub mod secrets;
pub mod selection;
pub mod topic_configs;
pub mod validate;

use std::path::Path;

use sha2::{Digest, Sha256};

pub use diagnostic::{Diagnostic, Invalid, Position, Severity};
pub use model::*;
pub use open::open;
pub use secrets::Secrets;
pub use selection::{Pattern, Selection};

/// A valid runbook and the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    pub runbook: Runbook,
    pub warnings: Vec<Diagnostic>,
}

/// Read and validate a runbook file, interpolating from the process environment.
pub fn load(path: &Path) -> Result<Loaded, Invalid> {
    load_with_env(path, &|name| std::env::var(name).ok())
}

pub fn load_with_env(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Loaded, Invalid> {
    let (text, base_dir) = read_text(path)?;
    parse(path, &text, &base_dir, env)
}

/// A runbook file's text (UTF-8) and the directory its relative paths are resolved against.
fn read_text(path: &Path) -> Result<(String, std::path::PathBuf), Invalid> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Invalid(vec![Diagnostic::error(
            &file,
            Position::START,
            format!("cannot read runbook: {e}"),
        )])
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Invalid(vec![Diagnostic::error(
            &file,
            byte_position(
                &String::from_utf8_lossy(e.as_bytes()),
                e.utf8_error().valid_up_to(),
            ),
            "the runbook is not valid UTF-8",
        )])
    })?;
    Ok((text, validate::base_dir(path)))
}

/// Parse and validate runbook text. `path` names it in messages and in the model;
/// relative properties files are resolved against `base_dir`.
pub fn parse(
    path: &Path,
    text: &str,
    base_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, Invalid> {
    parse_with(path, text, base_dir, env, false)
}

/// `cutover validate --no-env`: everything but the environment. An unset `${VAR}` is a note
/// and its value stays as written; what depends on it (a property, a properties file) is not
/// checked.
pub fn load_without_env(path: &Path) -> Result<Loaded, Invalid> {
    let (text, base_dir) = read_text(path)?;
    parse_with(
        path,
        &text,
        &base_dir,
        &|name| std::env::var(name).ok(),
        true,
    )
}

fn parse_with(
    path: &Path,
    text: &str,
    base_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    no_env: bool,
) -> Result<Loaded, Invalid> {
    let file = path.display().to_string();
    let raw: raw::RawRunbook =
        serde_yaml_ng::from_str(text).map_err(|e| Invalid(vec![yaml_error(&file, &e)]))?;
    let sha256 = hex(&Sha256::digest(text.as_bytes()));
    let mut validator = validate::Validator::new(&file, text, base_dir, env);
    validator.no_env = no_env;
    let runbook = validator.runbook(raw, path, sha256);
    let mut diagnostics = std::mem::take(&mut validator.diagnostics);
    // A message may quote an interpolated value (the path of an unreadable properties
    // file): no secret leaves the loader unmasked.
    let secrets = runbook
        .as_ref()
        .map_or(validator.secrets(), |runbook| &runbook.secrets);
    for diagnostic in &mut diagnostics {
        diagnostic.message = secrets.redact(&diagnostic.message);
    }
    diagnostics.sort_by_key(|d| (d.position, d.severity));
    match runbook {
        Some(runbook) => Ok(Loaded {
            runbook,
            warnings: diagnostics,
        }),
        None => Err(Invalid(diagnostics)),
    }
}

fn yaml_error(file: &str, error: &serde_yaml_ng::Error) -> Diagnostic {
    let position = error
        .location()
        .map(|l| Position {
            line: l.line(),
            column: l.column(),
        })
        .unwrap_or(Position::START);
    // serde_yaml_ng appends " at line L column C"; the position is already in front. Its
    // typed location is `location()` (used above); 0.10 has no accessor for the message
    // without its marks (`message_no_mark` is private), so the marks are cut from the text.
    let message = strip_marks(&error.to_string());
    Diagnostic::error(file, position, message)
}

fn strip_marks(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(" at line ") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + " at line ".len()..];
        let skip = tail
            .find(|c: char| !(c.is_ascii_digit() || c == ' ' || "column".contains(c)))
            .unwrap_or(tail.len());
        rest = &tail[skip..];
    }
    out.push_str(rest);
    out
}

fn byte_position(text: &str, offset: usize) -> Position {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Position { line, column }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_serde_yaml_marks() {
        assert_eq!(
            strip_marks("tiers[0]: unknown field `x`, expected `a` at line 3 column 5"),
            "tiers[0]: unknown field `x`, expected `a`"
        );
        assert_eq!(
            strip_marks("did not find expected key at line 3 column 5, while parsing a block mapping at line 1 column 1"),
            "did not find expected key, while parsing a block mapping"
        );
    }

    fn record_counts_ratio(mirror: &str, check: &str) -> f64 {
        let text = format!(
            "version: 1\nname: x\nclusters:\n  source: {{bootstrap: 'a:1'}}\n  target: {{bootstrap: 'b:1'}}\n{mirror}\ntiers:\n  - name: t\n    steps:\n      - id: s\n        verifies:\n          - kind: record_counts\n{check}"
        );
        let loaded = parse(Path::new("r.yaml"), &text, Path::new("."), &|_| None)
            .unwrap_or_else(|e| panic!("{e:?}"));
        match &loaded.runbook.tiers[0].steps[0].verifies[0].spec {
            CheckSpec::RecordCounts {
                max_extra_ratio, ..
            } => *max_extra_ratio,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn max_extra_ratio_defaults_by_engine() {
        // Offset-preserving engines copy each record once: exact equality.
        assert_eq!(
            record_counts_ratio("mirror:\n  engine: offset-preserving", ""),
            0.0
        );
        assert_eq!(
            record_counts_ratio("mirror:\n  engine: replicator", ""),
            0.01
        );
        assert_eq!(record_counts_ratio("", ""), 0.01);
        assert_eq!(
            record_counts_ratio(
                "mirror:\n  engine: replicator",
                "            max_extra_ratio: 0.2\n"
            ),
            0.2
        );
    }

    #[test]
    fn a_principal_map_is_parsed_in_order_with_anchored_regexes() {
        let text = "version: 1\nname: x\nclusters:\n  source: {bootstrap: 'a:1'}\n  target: {bootstrap: 'b:1'}\ntiers:\n  - name: t\n    steps:\n      - id: s\n        verifies:\n          - kind: acls_match\n            principal_map:\n              - {from: 'User:CN=orders-app,OU=apps', to: 'User:sa-12345'}\n              - {from_regex: 'User:CN=(.*),OU=apps', to: 'User:sa-$1'}\n";
        let loaded = parse(Path::new("r.yaml"), text, Path::new("."), &|_| None).unwrap();
        let CheckSpec::AclsMatch { principal_map, .. } =
            &loaded.runbook.tiers[0].steps[0].verifies[0].spec
        else {
            panic!("acls_match")
        };
        assert_eq!(
            map_principal(principal_map, "User:CN=orders-app,OU=apps"),
            "User:sa-12345"
        );
        assert_eq!(
            map_principal(principal_map, "User:CN=ship,OU=apps"),
            "User:sa-ship"
        );
        assert_eq!(
            map_principal(principal_map, "xUser:CN=ship,OU=apps"),
            "xUser:CN=ship,OU=apps"
        );
        assert_eq!(
            principal_map[1].describe(),
            "/User:CN=(.*),OU=apps/ -> User:sa-$1"
        );
    }
}
