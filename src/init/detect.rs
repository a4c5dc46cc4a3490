//! Telling a Strimzi KafkaMirrorMaker2 resource from a MirrorMaker 2 properties file by
//! content, not by file name.

use super::InitError;

pub enum Format {
    Properties,
    /// The parsed YAML document.
    Strimzi(serde_yaml_ng::Value),
}

/// A YAML mapping with `kind`/`apiVersion` is a Kubernetes resource and must be a
/// KafkaMirrorMaker2; anything with a `clusters` entry in properties syntax is an MM2
/// properties file; anything else is refused.
pub fn detect(file: &str, text: &str) -> Result<Format, InitError> {
    if let Ok(value) = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text) {
        if let Some(map) = value.as_mapping() {
            let kind = map.get("kind").and_then(|k| k.as_str());
            if kind == Some("KafkaMirrorMaker2") {
                return Ok(Format::Strimzi(value));
            }
            if kind.is_some() || map.contains_key("apiVersion") {
                let line = line_of(text, "kind:").or_else(|| line_of(text, "apiVersion:"));
                return Err(InitError::at(
                    file,
                    line,
                    format!(
                        "unknown format: a Kubernetes resource of kind `{}`, not a KafkaMirrorMaker2",
                        kind.unwrap_or("?")
                    ),
                ));
            }
        }
    }
    let has_clusters = text.lines().any(|line| {
        let line = line.trim_start();
        line.strip_prefix("clusters")
            .is_some_and(|rest| rest.trim_start().starts_with(['=', ':']))
    });
    if has_clusters {
        return Ok(Format::Properties);
    }
    Err(InitError::at(
        file,
        None,
        "unknown format: neither a MirrorMaker 2 properties file (no `clusters = ...` line) nor a Strimzi KafkaMirrorMaker2 resource (`kind: KafkaMirrorMaker2`)",
    ))
}

fn line_of(text: &str, prefix: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().starts_with(prefix))
        .map(|i| i + 1)
}
