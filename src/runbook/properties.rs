//! Java `.properties` files, as `kafka-*.sh --command-config` takes them.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use java_properties::{LineContent, PropertiesIter};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    /// 1-based line where the entry starts.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropertiesFileError {
    /// The file cannot be opened; the message names the OS error.
    Unreadable(String),
    /// The file is not a valid properties file.
    Malformed { line: usize, message: String },
}

/// Every key/value entry of the file, in order (a later duplicate overrides an earlier one,
/// as in Java).
pub fn read(path: &Path) -> Result<Vec<Entry>, PropertiesFileError> {
    let file = File::open(path).map_err(|e| PropertiesFileError::Unreadable(e.to_string()))?;
    parse(BufReader::new(file))
}

pub fn parse(input: impl std::io::Read) -> Result<Vec<Entry>, PropertiesFileError> {
    let mut entries = Vec::new();
    for line in PropertiesIter::new(input) {
        let line = line.map_err(|e| PropertiesFileError::Malformed {
            line: e.line_number().unwrap_or(1),
            message: describe(&e),
        })?;
        let number = line.line_number();
        if let LineContent::KVPair(key, value) = line.consume_content() {
            if key.is_empty() {
                return Err(PropertiesFileError::Malformed {
                    line: number,
                    message: "an entry with an empty key".into(),
                });
            }
            entries.push(Entry {
                key,
                value,
                line: number,
            });
        }
    }
    Ok(entries)
}

/// The crate's message without its line (reported apart, from `line_number()`). java-properties
/// 2.0 gives the bare message only through `Error::description` (deprecated in std, still the
/// crate's accessor: its Display appends "(line_number = N)").
fn describe(error: &java_properties::PropertiesError) -> String {
    #[allow(deprecated)]
    std::error::Error::description(error).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_java_syntax() {
        let text = "# comment\n! also comment\nsecurity.protocol=SASL_SSL\nsasl.mechanism : SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n    username=\"app\" password=\"pw\";\nclient.id app\n";
        let entries = parse(text.as_bytes()).unwrap();
        let keys: Vec<(&str, usize)> = entries.iter().map(|e| (e.key.as_str(), e.line)).collect();
        assert_eq!(
            keys,
            vec![
                ("security.protocol", 3),
                ("sasl.mechanism", 4),
                ("sasl.jaas.config", 5),
                ("client.id", 7)
            ]
        );
        assert_eq!(
            entries[2].value,
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"app\" password=\"pw\";"
        );
        assert_eq!(entries[1].value, "SCRAM-SHA-512");
    }

    #[test]
    fn bad_unicode_escape_is_malformed_with_its_line() {
        let err = parse("a=1\nb=\\u12zz\n".as_bytes()).unwrap_err();
        match err {
            PropertiesFileError::Malformed { line, .. } => assert_eq!(line, 2),
            other => panic!("unexpected {other:?}"),
        }
    }
}
