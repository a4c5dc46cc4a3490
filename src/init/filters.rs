//! MirrorMaker 2's topic and group filters: Java regular expressions in a comma-separated list.
//!
//! Kafka's ConfigDef parses a LIST by splitting on commas (with the whitespace around them);
//! MirrorUtils.compilePatternList drops empty entries, joins the rest with `|` and compiles
//! one java.util.regex.Pattern, which DefaultTopicFilter / DefaultGroupFilter match against the
//! whole name (`matcher(name).matches()`). An empty list matches nothing.
//!
//! fancy-regex accepts most of Java's syntax that the runbook's engine (the `regex` crate)
//! refuses: lookahead, lookbehind, backreferences, atomic groups, possessive quantifiers. A
//! filter neither engine compiles is an error at its line: a filter is never dropped.

use super::{InitError, Origin};

/// MirrorSourceConfig / DefaultTopicFilter `topics.exclude` default (Kafka 3.x).
pub const TOPICS_EXCLUDE_DEFAULT: [&str; 3] = [r".*[\-\.]internal", r".*\.replica", "__.*"];
/// DefaultGroupFilter `groups.exclude` default (Kafka 3.x).
pub const GROUPS_EXCLUDE_DEFAULT: [&str; 3] = ["console-consumer-.*", "connect-.*", "__.*"];

/// One filter setting (`topics`, `groups.exclude`, ...) as MirrorMaker 2 reads it.
#[derive(Debug, Clone)]
pub struct Filter {
    pub entries: Vec<String>,
    pub origin: Origin,
}

impl Filter {
    /// Parse a Java LIST value.
    pub fn parse(value: &str, origin: Origin) -> Filter {
        let entries = value
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .collect();
        Filter { entries, origin }
    }

    pub fn default_of(entries: &[&str], origin: Origin) -> Filter {
        Filter {
            entries: entries.iter().map(|e| e.to_string()).collect(),
            origin,
        }
    }

    /// Whether this is exactly the list given (for "is it the default").
    pub fn is(&self, entries: &[&str]) -> bool {
        self.entries.len() == entries.len() && self.entries.iter().zip(entries).all(|(a, b)| a == b)
    }

    /// Compile as MirrorMaker 2 does; `file` names the input in errors.
    pub fn compile(&self, file: &str) -> Result<Compiled, InitError> {
        if self.entries.is_empty() {
            return Ok(Compiled {
                matcher: None,
                runbook: Ok(Vec::new()),
            });
        }
        let joined = self.entries.join("|");
        let matcher = fancy_regex::Regex::new(&format!("^(?:{joined})$")).map_err(|e| {
            // Name the entry that does not compile on its own, when one does not.
            let culprit = self
                .entries
                .iter()
                .find(|entry| fancy_regex::Regex::new(entry).is_err())
                .cloned()
                .unwrap_or(joined.clone());
            InitError::at(
                file,
                self.origin.line,
                format!(
                    "{}: the regular expression `{culprit}` does not compile: {}",
                    self.origin.setting,
                    one_line(&e.to_string())
                ),
            )
        })?;
        // Each entry as a runbook pattern (the `regex` crate), or the joined list when only
        // the whole compiles (Java compiles the joined text: `(a,b)` is `(a|b)`).
        let each: Result<Vec<String>, String> = self
            .entries
            .iter()
            .map(|entry| {
                crate::runbook::Pattern::new(entry)
                    .map(|_| entry.clone())
                    .map_err(|e| {
                        let text = e.to_string();
                        let why = text.rsplit("error: ").next().unwrap_or(&text);
                        format!(
                            "`{entry}` is beyond the runbook's regular expressions ({})",
                            one_line(why)
                        )
                    })
            })
            .collect();
        let runbook = match each {
            Ok(patterns) => Ok(patterns),
            Err(reason) => match crate::runbook::Pattern::new(&joined) {
                Ok(_) => Ok(vec![joined.clone()]),
                Err(_) => Err(reason),
            },
        };
        Ok(Compiled {
            matcher: Some(matcher),
            runbook,
        })
    }
}

/// A compiled filter.
#[derive(Debug)]
pub struct Compiled {
    /// None: the list is empty and matches nothing.
    matcher: Option<fancy_regex::Regex>,
    /// The patterns to write in the runbook, or why the runbook's engine cannot express them.
    pub runbook: Result<Vec<String>, String>,
}

impl Compiled {
    /// Whether MirrorMaker 2 would match `name`. A match the engine cannot decide (its
    /// backtracking limit) counts as a match: the name is then listed, never silently lost.
    pub fn matches(&self, name: &str) -> bool {
        match &self.matcher {
            None => false,
            Some(regex) => regex.is_match(name).unwrap_or(true),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.matcher.is_none()
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(value: &str) -> Filter {
        Filter::parse(value, Origin::line(7, "topics"))
    }

    #[test]
    fn splits_like_java_lists() {
        assert_eq!(filter(" a , b.*,, c ").entries, vec!["a", "b.*", "c"]);
        assert!(filter("").entries.is_empty());
        assert!(filter(" , ").entries.is_empty());
    }

    #[test]
    fn matches_whole_names_like_matcher_matches() {
        let c = filter("orders.*, payments").compile("f").unwrap();
        assert!(c.matches("orders"));
        assert!(c.matches("orders.eu"));
        assert!(c.matches("payments"));
        assert!(!c.matches("old.orders"));
        assert!(!c.matches("payments2"));
    }

    #[test]
    fn empty_list_matches_nothing() {
        let c = filter("").compile("f").unwrap();
        assert!(c.is_empty());
        assert!(!c.matches("anything"));
    }

    #[test]
    fn lookaround_compiles_but_the_runbook_cannot_express_it() {
        let c = filter("(?!internal-).*").compile("f").unwrap();
        assert!(c.matches("orders"));
        assert!(!c.matches("internal-x"));
        let reason = c.runbook.unwrap_err();
        assert!(reason.contains("(?!internal-).*"), "{reason}");
    }

    #[test]
    fn a_group_split_by_commas_compiles_joined_as_java_does() {
        let c = filter("(orders,payments)").compile("f").unwrap();
        assert!(c.matches("orders") && c.matches("payments"));
        assert_eq!(c.runbook.unwrap(), vec!["(orders|payments)"]);
    }

    #[test]
    fn a_bad_filter_is_an_error_at_its_line() {
        let err = filter("orders, pay(ments")
            .compile("mm2.properties")
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("mm2.properties:7: error: topics: the regular expression `pay(ments` does not compile"),
            "{text}"
        );
    }

    #[test]
    fn default_excludes_compile_in_the_runbook_engine() {
        for list in [&TOPICS_EXCLUDE_DEFAULT[..], &GROUPS_EXCLUDE_DEFAULT[..]] {
            let c = Filter::default_of(list, Origin::default_of("x"))
                .compile("f")
                .unwrap();
            assert_eq!(c.runbook.unwrap().len(), 3);
        }
        let c = Filter::default_of(&TOPICS_EXCLUDE_DEFAULT, Origin::default_of("x"))
            .compile("f")
            .unwrap();
        assert!(c.matches("mm2-offset-syncs.b.internal"));
        assert!(c.matches("connect-offsets-internal"));
        assert!(c.matches("__consumer_offsets"));
        assert!(!c.matches("orders"));
    }
}
