//! Values that must never reach a terminal, a journal, a log or a report.

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

#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// Longest first, so a secret that contains another is masked whole.
    values: Vec<String>,
}

impl Secrets {
    pub fn add(&mut self, value: &str) {
        if value.is_empty() || self.values.iter().any(|known| known == value) {
            return;
        }
        self.values.push(value.to_string());
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every secret replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
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
        assert_eq!(
            secrets.redact("a hunter2-extended b hunter2 c"),
            "a *** b *** c"
        );
    }
}
