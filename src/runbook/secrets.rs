//! Values that must never reach a terminal, a journal, a log or a report.
//!
//! The rule (docs/security.md):
//!
//! - A secret of [`MIN_MASKED_CHARS`] characters or more is replaced by `***` wherever it
//!   occurs in text cutover prints or writes, and so are the forms it takes inside a JSON
//!   string (a journal line) and each line of a multi-line secret (a PEM key printed line by
//!   line).
//! - A shorter secret (a 1-character password) is never printed where cutover shows property
//!   values (they are shown as `***` or as written, `${VAR}`), but it is not replaced inside
//!   other text: replacing every `a` or `42` would mangle all output and, by the holes, tell
//!   the secret anyway. It is masked only where it is the whole text (a line of action output
//!   that is exactly the secret). Validation warns about such secrets.

/// Client properties whose values are credentials, whatever their origin.
pub const SENSITIVE_PROPERTIES: [&str; 7] = [
    "sasl.password",
    "sasl.jaas.config",
    "ssl.key.password",
    "ssl.keystore.password",
    "ssl.truststore.password",
    "ssl.key.pem",
    "sasl.oauthbearer.client.secret",
];

pub fn is_sensitive_property(key: &str) -> bool {
    SENSITIVE_PROPERTIES.contains(&key)
}

pub const MASK: &str = "***";

/// Secrets shorter than this (in characters) are not replaced inside other text.
pub const MIN_MASKED_CHARS: usize = 4;

/// Whether `value` is too short to be masked inside other text (and not empty).
pub fn is_short(value: &str) -> bool {
    !value.is_empty() && value.chars().count() < MIN_MASKED_CHARS
}

#[derive(Clone, Default)]
pub struct Secrets {
    /// Texts replaced wherever they occur: each secret of MIN_MASKED_CHARS or more and its
    /// derived forms. Longest first, so a secret that contains another is masked whole.
    values: Vec<String>,
    /// Secrets too short to replace inside other text: masked only when they are the whole
    /// text.
    short: Vec<String>,
}

/// Never the values: a `{:?}` of a runbook (a panic message, a test failure) must not leak.
impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Secrets {{ masked: {}, short: {} }}",
            self.values.len(),
            self.short.len()
        )
    }
}

impl Secrets {
    pub fn add(&mut self, value: &str) {
        if value.is_empty() {
            return;
        }
        if is_short(value) {
            if !self.short.iter().any(|known| known == value) {
                self.short.push(value.to_string());
            }
            return;
        }
        let mut forms = vec![value.to_string()];
        // Inside a JSON string (journal lines, --json output) `"`, `\` and control
        // characters are escaped: the raw value would not match there.
        let json = serde_json::to_string(value).expect("a string serializes");
        forms.push(json[1..json.len() - 1].to_string());
        // Output is redacted line by line: each line of a multi-line secret is masked too.
        if value.contains('\n') {
            forms.extend(
                value
                    .lines()
                    .map(|line| line.trim_end_matches('\r'))
                    .filter(|line| line.trim().chars().count() >= MIN_MASKED_CHARS)
                    .map(str::to_string),
            );
        }
        for form in forms {
            if !self.values.contains(&form) {
                self.values.push(form);
            }
        }
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.short.is_empty()
    }

    /// `text` with every secret replaced by `***` (short secrets only when they are the whole
    /// text, surrounding whitespace aside).
    pub fn redact(&self, text: &str) -> String {
        let trimmed = text.trim();
        if self.short.iter().any(|s| s == trimmed) {
            return text.replace(trimmed, MASK);
        }
        let mut out = text.to_string();
        for secret in &self.values {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_secret_longest_first() {
        let mut secrets = Secrets::default();
        secrets.add("hunter2");
        secrets.add("hunter2-extended");
        secrets.add("");
        assert!(!secrets.is_empty());
        assert_eq!(
            secrets.redact("a hunter2-extended b hunter2 c"),
            "a *** b *** c"
        );
    }

    #[test]
    fn debug_output_shows_no_value() {
        let mut secrets = Secrets::default();
        secrets.add("hunter2");
        secrets.add("x");
        assert_eq!(format!("{secrets:?}"), "Secrets { masked: 1, short: 1 }");
    }

    #[test]
    fn short_secrets_are_masked_only_as_the_whole_text() {
        let mut secrets = Secrets::default();
        secrets.add("a");
        secrets.add("42");
        assert_eq!(
            secrets.redact("a cat at 42 Main Street"),
            "a cat at 42 Main Street"
        );
        assert_eq!(secrets.redact("a"), "***");
        assert_eq!(secrets.redact("  42\n"), "  ***\n");
        assert!(is_short("abc") && !is_short("abcd") && !is_short(""));
        assert!(is_short("äöü"), "characters, not bytes");
    }

    #[test]
    fn masks_the_json_escaped_form_and_each_line() {
        let mut secrets = Secrets::default();
        secrets.add("pa\"ss\\word");
        let line = serde_json::json!({ "output": "pw=pa\"ss\\word" }).to_string();
        assert_eq!(secrets.redact(&line), r#"{"output":"pw=***"}"#);

        secrets.add("-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n-----END KEY-----\n");
        assert_eq!(secrets.redact("MIIEvQIBADANBgkqhkiG9w0B"), "***");
        assert_eq!(
            secrets.redact(
                r#"{"key":"-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n-----END KEY-----\n"}"#
            ),
            r#"{"key":"***"}"#
        );
    }
}
