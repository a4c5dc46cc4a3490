//! What librdkafka itself accepts, asked of the librdkafka cutover is linked with.
//!
//! `rd_kafka_conf_set` knows every property name and checks the syntax of every value (enums,
//! ranges, booleans) without creating a client or opening a connection, so validation can say
//! what a connection would refuse, with the runbook position, before anything runs.

use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaConfRes;
use rdkafka::ClientConfig;

/// Properties whose value librdkafka acts on when it is set: `plugin.library.paths` loads
/// (dlopen) the libraries at once. Validation must not run code, so their values are not
/// probed; a connection sets them as usual.
const ACTS_WHEN_SET: [&str; 1] = ["plugin.library.paths"];

/// Java properties librdkafka lists only to refuse them, whatever the value ("Java
/// TrustStores are not supported", "Java JAAS configuration is not supported"): for cutover
/// they are unknown, like any other Java-only key.
const JAVA_PLACEHOLDERS: [&str; 2] = ["ssl.truststore.location", "sasl.jaas.config"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// No such property ("No such configuration property").
    Unknown,
    /// The property exists; the value is refused, with librdkafka's reason (which may quote
    /// the value).
    Invalid(String),
}

/// What librdkafka says to `key = value`.
pub fn check(key: &str, value: &str) -> Verdict {
    if ACTS_WHEN_SET.contains(&key) {
        return Verdict::Accepted;
    }
    if JAVA_PLACEHOLDERS.contains(&key) {
        return Verdict::Unknown;
    }
    let mut config = ClientConfig::new();
    config.set(key, value);
    match config.create_native_config() {
        Ok(_) => Verdict::Accepted,
        Err(KafkaError::ClientConfig(RDKafkaConfRes::RD_KAFKA_CONF_UNKNOWN, ..)) => {
            Verdict::Unknown
        }
        Err(KafkaError::ClientConfig(_, reason, ..)) => Verdict::Invalid(reason),
        Err(KafkaError::Nul(_)) if key.contains('\0') => Verdict::Unknown,
        Err(KafkaError::Nul(_)) => Verdict::Invalid("the value contains a NUL character".into()),
        Err(other) => Verdict::Invalid(other.to_string()),
    }
}

/// The features this librdkafka was built with (`builtin.features`: ssl, sasl_scram,
/// sasl_gssapi, oidc, ...).
pub fn has_feature(feature: &str) -> bool {
    static FEATURES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FEATURES
        .get_or_init(|| {
            ClientConfig::new()
                .create_native_config()
                .and_then(|config| config.get("builtin.features"))
                .map(|list| list.split(',').map(|f| f.trim().to_string()).collect())
                .unwrap_or_default()
        })
        .iter()
        .any(|f| f == feature)
}

/// Whether librdkafka has a property of this name.
pub fn knows(key: &str) -> bool {
    ACTS_WHEN_SET.contains(&key) || check(key, "") != Verdict::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_librdkafka() {
        assert_eq!(check("security.protocol", "SASL_SSL"), Verdict::Accepted);
        assert_eq!(check("request.timeout.ms", "30000"), Verdict::Accepted);
        assert_eq!(check("sasl.jaas.config", "x"), Verdict::Unknown);
        assert_eq!(check("no.such.property", "x"), Verdict::Unknown);
        assert!(matches!(
            check("security.protocol", "CARRIER_PIGEON"),
            Verdict::Invalid(reason) if reason.contains("security.protocol")
        ));
        assert!(matches!(check("client.id", "a\0b"), Verdict::Invalid(_)));
        assert_eq!(check("a\0b", "x"), Verdict::Unknown);
        assert!(knows("sasl.mechanism") && knows("plugin.library.paths"));
        assert!(has_feature("ssl") && has_feature("sasl_scram") && !has_feature("no-such"));
        assert!(!knows("ssl.truststore.location"));
        for key in JAVA_PLACEHOLDERS {
            let mut config = ClientConfig::new();
            config.set(key, "");
            assert!(
                config.create_native_config().is_err(),
                "librdkafka now takes {key}: drop it from JAVA_PLACEHOLDERS"
            );
        }
    }
}
