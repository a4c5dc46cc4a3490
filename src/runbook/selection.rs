//! Topic and group selection: anchored regexes to include, minus anchored regexes to exclude.

use regex::Regex;

/// One anchored regex as the operator wrote it.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub text: String,
    regex: Regex,
}

impl Pattern {
    pub fn new(text: &str) -> Result<Pattern, regex::Error> {
        let regex = Regex::new(&format!("^(?:{text})$"))?;
        Ok(Pattern {
            text: text.to_string(),
            regex,
        })
    }

    /// A literal name matches only itself (`billing.v2` is not `billingXv2`); a pattern
    /// matches as an anchored regex.
    pub fn matches(&self, name: &str) -> bool {
        match self.literal() {
            Some(literal) => literal == name,
            None => self.regex.is_match(name),
        }
    }

    /// A pattern without regex syntax names exactly one thing, so no listing is needed
    /// to find it (and a missing one is likely a typo). A dot counts as literal: group and
    /// topic names are full of them, and nobody writing `billing.v2` means `billingXv2`.
    pub fn literal(&self) -> Option<&str> {
        let plain = !self.text.chars().any(|c| "\\+*?()|[]{}^$".contains(c));
        (plain && !self.text.is_empty()).then_some(self.text.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Selection {
    pub include: Vec<Pattern>,
    pub exclude: Vec<Pattern>,
}

impl Selection {
    pub fn matches(&self, name: &str) -> bool {
        self.include.iter().any(|p| p.matches(name))
            && !self.exclude.iter().any(|p| p.matches(name))
    }

    /// The include entries written as literal names, in order (excluded ones too: naming a
    /// thing and excluding it is a contradiction the checks report).
    pub fn literals(&self) -> Vec<&str> {
        self.include.iter().filter_map(Pattern::literal).collect()
    }

    /// The include entries that are patterns (regex syntax other than `.`).
    pub fn patterns(&self) -> Vec<&Pattern> {
        self.include
            .iter()
            .filter(|p| p.literal().is_none())
            .collect()
    }

    /// Whether `name` is one of the literal include entries.
    pub fn names_literally(&self, name: &str) -> bool {
        self.literals().contains(&name)
    }

    /// The exclude pattern that removes `name`, if any.
    pub fn excluded_by(&self, name: &str) -> Option<&str> {
        self.exclude
            .iter()
            .find(|p| p.matches(name))
            .map(|p| p.text.as_str())
    }

    /// When every include pattern is literal, the names themselves (minus excluded ones).
    pub fn literal_names(&self) -> Option<Vec<String>> {
        let names: Option<Vec<&str>> = self.include.iter().map(Pattern::literal).collect();
        Some(
            names?
                .into_iter()
                .filter(|name| !self.exclude.iter().any(|p| p.matches(name)))
                .map(str::to_string)
                .collect(),
        )
    }

    /// Plain words: "billing, shipping" or "matching orders.* (excluding __.*)".
    pub fn describe(&self) -> String {
        let include: Vec<&str> = self.include.iter().map(|p| p.text.as_str()).collect();
        if let Some(names) = self.literal_names() {
            return names.join(", ");
        }
        let mut text = format!("matching {}", include.join(", "));
        if !self.exclude.is_empty() {
            let exclude: Vec<&str> = self.exclude.iter().map(|p| p.text.as_str()).collect();
            text.push_str(&format!(" (excluding {})", exclude.join(", ")));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(include: &[&str], exclude: &[&str]) -> Selection {
        Selection {
            include: include.iter().map(|p| Pattern::new(p).unwrap()).collect(),
            exclude: exclude.iter().map(|p| Pattern::new(p).unwrap()).collect(),
        }
    }

    #[test]
    fn patterns_are_anchored() {
        let s = selection(&["orders.*"], &[".*[.-]internal"]);
        assert!(s.matches("orders"));
        assert!(s.matches("orders.eu"));
        assert!(!s.matches("old.orders"));
        assert!(!s.matches("orders.checkpoints.internal"));
    }

    #[test]
    fn literal_names_need_no_listing() {
        assert_eq!(
            selection(&["billing", "shipping-v2"], &["__.*"]).literal_names(),
            Some(vec!["billing".to_string(), "shipping-v2".to_string()])
        );
        assert_eq!(selection(&["billing", "ship.*"], &[]).literal_names(), None);
        assert_eq!(
            selection(&["billing.v2"], &[]).literal_names(),
            Some(vec!["billing.v2".to_string()])
        );
        assert_eq!(selection(&["billing.*"], &[]).literal_names(), None);
    }

    #[test]
    fn literalness_is_decided_per_name() {
        let s = selection(&["billing", "ship.*"], &[]);
        assert_eq!(s.literals(), ["billing"]);
        assert_eq!(s.patterns().len(), 1);
        assert!(s.names_literally("billing"));
        assert!(!s.names_literally("shipping"));
        // A literal with a dot names itself only.
        let dotted = selection(&["billing.v2"], &[]);
        assert!(dotted.matches("billing.v2"));
        assert!(!dotted.matches("billingXv2"));
    }

    #[test]
    fn describes_itself_in_plain_words() {
        assert_eq!(
            selection(&["billing", "shipping"], &[]).describe(),
            "billing, shipping"
        );
        assert_eq!(
            selection(&["orders.*"], &["__.*"]).describe(),
            "matching orders.* (excluding __.*)"
        );
    }
}
