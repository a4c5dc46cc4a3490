//! Where each value of a YAML document sits in the file.
//!
//! serde_yaml_ng reports positions for syntax and type errors only; the semantic checks
//! (duplicate ids, bad regexes, missing variables) need the position of any field. This
//! index maps a path in serde_yaml_ng's own notation (`tiers[0].steps[1].id`) to the
//! position of the key and of the value, from one pass over the parser's events.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::diagnostic::Position;

#[derive(Debug, Default)]
pub struct Locations {
    keys: HashMap<String, Position>,
    values: HashMap<String, Position>,
    duplicates: Vec<(String, Position)>,
}

impl Locations {
    /// Index a document. A document the parser rejects yields an empty index: serde_yaml_ng
    /// reports the syntax error itself, and lookups fall back to the start of the file.
    pub fn index(text: &str) -> Locations {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut builder, false).is_err() {
            return Locations::default();
        }
        builder.locations
    }

    /// Keys that appear twice in one mapping, with the position of the repeat.
    pub fn duplicates(&self) -> &[(String, Position)] {
        &self.duplicates
    }

    /// Position of the value at `path`, or of its nearest located ancestor.
    pub fn value(&self, path: &str) -> Position {
        self.lookup(path, &self.values)
    }

    /// Position of the key that names `path` (for "this field should not be here" errors),
    /// falling back to the value, then to ancestors.
    pub fn key(&self, path: &str) -> Position {
        match self.keys.get(path) {
            Some(position) => *position,
            None => self.value(path),
        }
    }

    fn lookup(&self, path: &str, table: &HashMap<String, Position>) -> Position {
        let mut current = path;
        loop {
            if let Some(position) = table.get(current) {
                return *position;
            }
            match parent(current) {
                Some(up) => current = up,
                None => return Position::START,
            }
        }
    }
}

fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '[']).unwrap_or(0);
    Some(&path[..cut])
}

/// Append a mapping key to a path, in serde_yaml_ng's notation.
pub fn field(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Append a sequence index to a path, in serde_yaml_ng's notation.
pub fn index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

enum Frame {
    Mapping {
        path: String,
        key: Option<String>,
        /// No key seen yet: the mapping's position becomes its first key's (the parser
        /// marks a block mapping's start after that key).
        empty: bool,
    },
    Sequence {
        path: String,
        next: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    locations: Locations,
}

impl Builder {
    /// Consume a node start (scalar, alias or collection) and return its path, or None
    /// when the node is a mapping key.
    fn node_path(&mut self, scalar: Option<&str>, position: Position) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Sequence { path, next }) => {
                let child = index(path, *next);
                *next += 1;
                Some(child)
            }
            Some(Frame::Mapping { path, key, empty }) => match key.take() {
                Some(name) => Some(field(path, &name)),
                None => {
                    if std::mem::take(empty) {
                        self.locations.values.insert(path.clone(), position);
                    }
                    // A complex (non-scalar) key cannot be named in a path.
                    let name = scalar.unwrap_or("?").to_string();
                    let child = field(path, &name);
                    if self
                        .locations
                        .keys
                        .insert(child.clone(), position)
                        .is_some()
                        && scalar.is_some()
                    {
                        self.locations.duplicates.push((child, position));
                    }
                    *key = Some(name);
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let position = Position {
            line: mark.line(),
            column: mark.col() + 1,
        };
        match event {
            Event::Scalar(ref value, ..) => {
                if let Some(path) = self.node_path(Some(value), position) {
                    self.locations.values.insert(path, position);
                }
            }
            Event::Alias(_) => {
                if let Some(path) = self.node_path(None, position) {
                    self.locations.values.insert(path, position);
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_mapping = matches!(event, Event::MappingStart(..));
                match self.node_path(None, position) {
                    Some(path) => {
                        self.locations.values.insert(path.clone(), position);
                        self.stack.push(if is_mapping {
                            Frame::Mapping {
                                path,
                                key: None,
                                empty: true,
                            }
                        } else {
                            Frame::Sequence { path, next: 0 }
                        });
                    }
                    // A collection used as a key: index nothing below it.
                    None => self.stack.push(Frame::Sequence {
                        path: "?".into(),
                        next: 0,
                    }),
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_keys_and_values_by_path() {
        let text = "version: 1\nclusters:\n  source:\n    bootstrap: a:1\ntiers:\n  - name: up\n    steps:\n      - id: one\n      - id: two\n";
        let locations = Locations::index(text);
        assert_eq!(
            locations.value("version"),
            Position {
                line: 1,
                column: 10
            }
        );
        assert_eq!(
            locations.key("clusters.source"),
            Position { line: 3, column: 3 }
        );
        assert_eq!(
            locations.value("clusters.source.bootstrap"),
            Position {
                line: 4,
                column: 16
            }
        );
        assert_eq!(
            locations.value("tiers[0].steps[1].id"),
            Position {
                line: 9,
                column: 13
            }
        );
        assert_eq!(
            locations.key("tiers[0].steps[1].id"),
            Position { line: 9, column: 9 }
        );
    }

    #[test]
    fn falls_back_to_the_nearest_ancestor() {
        let locations = Locations::index("tiers:\n  - name: up\n");
        assert_eq!(
            locations.value("tiers[0].steps[3].id"),
            Position { line: 2, column: 5 }
        );
        assert_eq!(locations.value("nowhere"), Position::START);
    }

    #[test]
    fn flow_collections_are_indexed() {
        let locations = Locations::index("target: { bootstrap: 'x:1' }\nlist: [a, b]\n");
        assert_eq!(
            locations.value("target.bootstrap"),
            Position {
                line: 1,
                column: 22
            }
        );
        assert_eq!(
            locations.value("list[1]"),
            Position {
                line: 2,
                column: 11
            }
        );
    }
}
