//! Java client properties (a `--command-config` file) translated to librdkafka properties.
//!
//! Operators already have a properties file for the Kafka CLI tools. Most of its keys mean the
//! same to librdkafka; a few carry the same setting in another form (`sasl.jaas.config`, the
//! `HTTPS` spelling of `ssl.endpoint.identification.algorithm`, PEM stores); JKS and PKCS12
//! stores cannot be read by librdkafka at all; and some keys only mean something to a JVM.
//! [`translate`] turns the file's entries into librdkafka entries and says, for each key it
//! does not pass on, why.

use std::collections::HashMap;

use super::diagnostic::Severity;
use super::jaas::parse_jaas;
use super::librdkafka;
use super::properties::Entry;

/// Java client keys librdkafka has no property for. They are dropped with a warning naming
/// them; a key neither here nor known to librdkafka is dropped with another warning. The test
/// below proves librdkafka refuses every one of them.
pub const JAVA_ONLY: [&str; 32] = [
    "ssl.truststore.location",
    "ssl.truststore.password",
    "ssl.truststore.type",
    "ssl.truststore.certificates",
    "ssl.keystore.type",
    "ssl.keystore.key",
    "ssl.keystore.certificate.chain",
    "ssl.keymanager.algorithm",
    "ssl.trustmanager.algorithm",
    "ssl.protocol",
    "ssl.enabled.protocols",
    "ssl.provider",
    "ssl.secure.random.implementation",
    "ssl.engine.factory.class",
    "sasl.jaas.config",
    "sasl.login.class",
    "sasl.login.callback.handler.class",
    "sasl.client.callback.handler.class",
    "sasl.login.refresh.window.factor",
    "sasl.login.refresh.buffer.seconds",
    "sasl.kerberos.ticket.renew.window.factor",
    "key.deserializer",
    "value.deserializer",
    "key.serializer",
    "value.serializer",
    "default.api.timeout.ms",
    "max.poll.records",
    "receive.buffer.bytes",
    "send.buffer.bytes",
    "security.providers",
    "interceptor.classes",
    "metric.reporters",
];

/// Keys both clients understand with the same meaning, passed through as they are (the test
/// below proves librdkafka accepts each). Not a filter: any key librdkafka knows passes.
pub const SHARED: [&str; 18] = [
    "security.protocol",
    "sasl.mechanism",
    "sasl.kerberos.service.name",
    "ssl.endpoint.identification.algorithm",
    "ssl.key.password",
    "ssl.keystore.location",
    "ssl.keystore.password",
    "ssl.cipher.suites",
    "client.id",
    "client.rack",
    "client.dns.lookup",
    "request.timeout.ms",
    "retries",
    "retry.backoff.ms",
    "reconnect.backoff.ms",
    "reconnect.backoff.max.ms",
    "metadata.max.age.ms",
    "connections.max.idle.ms",
];

const PLAIN_MODULE: &str = "org.apache.kafka.common.security.plain.PlainLoginModule";
const SCRAM_MODULE: &str = "org.apache.kafka.common.security.scram.ScramLoginModule";
const OAUTH_MODULE: &str = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
const KERBEROS_MODULES: [&str; 2] = [
    "com.sun.security.auth.module.Krb5LoginModule",
    "com.ibm.security.auth.module.Krb5LoginModule",
];

/// A problem with one entry (`line`) or with the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub line: Option<usize>,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Translation {
    /// librdkafka properties, in file order; each keeps the line it came from.
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
    /// Credentials found inside other values (the options of a JAAS login module).
    pub secrets: Vec<String>,
}

impl Translation {
    fn error(&mut self, line: usize, message: String) {
        self.problems.push(Problem {
            severity: Severity::Error,
            line: Some(line),
            message,
        });
    }

    fn warn(&mut self, line: Option<usize>, message: String) {
        self.problems.push(Problem {
            severity: Severity::Warning,
            line,
            message,
        });
    }

    fn emit(&mut self, key: &str, value: &str, line: usize) {
        self.entries.push(Entry {
            key: key.to_string(),
            value: value.to_string(),
            line,
        });
    }
}

/// Translate a Java properties file's entries. `runbook_sets(key)` says whether the runbook's
/// own `properties` set a librdkafka key; the runbook then owns that setting and a file entry
/// that cannot be translated for it is ignored with a warning instead of an error.
pub fn translate(entries: Vec<Entry>, runbook_sets: &dyn Fn(&str) -> bool) -> Translation {
    // As in Java, a later duplicate key overrides an earlier one: only the last one counts.
    let mut last: HashMap<String, usize> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        last.insert(entry.key.clone(), i);
    }
    let entries: Vec<Entry> = entries
        .into_iter()
        .enumerate()
        .filter(|(i, entry)| last[&entry.key] == *i)
        .map(|(_, entry)| entry)
        .collect();
    let get = |key: &str| entries.iter().find(|e| e.key == key);
    let store_type = |key: &str| {
        get(key)
            .map(|e| e.value.trim().to_ascii_uppercase())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "JKS".to_string())
    };
    let has_truststore = get("ssl.truststore.location").is_some();
    let has_keystore = get("ssl.keystore.location").is_some();

    let mut out = Translation::default();
    let mut java_only: Vec<(String, usize)> = Vec::new();
    let mut unknown: Vec<(String, usize)> = Vec::new();
    for entry in &entries {
        let line = entry.line;
        match entry.key.as_str() {
            "sasl.jaas.config" => jaas(&entry.value, line, runbook_sets, &mut out),
            "ssl.endpoint.identification.algorithm" => {
                let value = entry.value.trim();
                let value = if value.is_empty() {
                    "none"
                } else if value.eq_ignore_ascii_case("https") {
                    "https"
                } else {
                    value
                };
                out.emit(&entry.key, value, line);
            }
            "ssl.truststore.location" => {
                let kind = store_type("ssl.truststore.type");
                if kind == "PEM" {
                    out.emit("ssl.ca.location", &entry.value, line);
                } else if let Some(key) = ["ssl.ca.location", "ssl.ca.pem"]
                    .into_iter()
                    .find(|k| runbook_sets(k))
                {
                    out.warn(
                        Some(line),
                        format!("ssl.truststore.location ({kind}) ignored: the runbook's properties set {key}"),
                    );
                } else {
                    out.error(line, truststore_error(&kind, &entry.value));
                }
            }
            "ssl.keystore.location" => {
                let kind = store_type("ssl.keystore.type");
                if runbook_sets("ssl.keystore.location") {
                    // The runbook's librdkafka ssl.keystore.location (PKCS#12) replaces it.
                } else if kind == "PEM" {
                    out.emit("ssl.certificate.location", &entry.value, line);
                    out.emit("ssl.key.location", &entry.value, line);
                } else if let Some(key) = ["ssl.certificate.location", "ssl.certificate.pem"]
                    .into_iter()
                    .find(|k| runbook_sets(k))
                {
                    out.warn(
                        Some(line),
                        format!("ssl.keystore.location ({kind}) ignored: the runbook's properties set {key}"),
                    );
                } else {
                    out.error(line, keystore_error(&kind, &entry.value));
                }
            }
            // Part of the store they describe, handled with its location.
            "ssl.truststore.type" | "ssl.truststore.password" if has_truststore => {}
            "ssl.keystore.type" if has_keystore => {}
            // The password of a JKS or PEM keystore means nothing to librdkafka, unless the
            // runbook names the converted PKCS#12 file (keytool keeps the password).
            "ssl.keystore.password"
                if has_keystore
                    && store_type("ssl.keystore.type") != "PKCS12"
                    && !runbook_sets("ssl.keystore.location") => {}
            key if librdkafka::knows(key) => out.emit(key, &entry.value, line),
            key if JAVA_ONLY.contains(&key) => java_only.push((key.to_string(), line)),
            key => unknown.push((key.to_string(), line)),
        }
    }
    if !java_only.is_empty() {
        out.warn(
            None,
            format!(
                "Java-only properties ignored (librdkafka has no such setting): {}",
                listed(&java_only)
            ),
        );
    }
    if !unknown.is_empty() {
        out.warn(
            None,
            format!(
                "properties librdkafka does not know, ignored: {}",
                listed(&unknown)
            ),
        );
    }
    out
}

fn listed(keys: &[(String, usize)]) -> String {
    keys.iter()
        .map(|(key, line)| format!("{key} (line {line})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What to write instead of a Java-only key in the runbook's own `properties` (librdkafka
/// names), for the error about that key.
pub fn runbook_hint(key: &str) -> Option<&'static str> {
    Some(match key {
        "sasl.jaas.config" => "it is a Java client property: write sasl.username and sasl.password here, or keep sasl.jaas.config in properties_file, which cutover translates",
        "ssl.truststore.location" | "ssl.truststore.type" | "ssl.truststore.password" => {
            "it is a Java client property: librdkafka reads the CA certificates from a PEM file named by ssl.ca.location"
        }
        "ssl.keystore.type" => "it is a Java client property: librdkafka's ssl.keystore.location is always PKCS#12; for PEM use ssl.certificate.location and ssl.key.location",
        key if JAVA_ONLY.contains(&key) => "it is a Java client property with no librdkafka equivalent",
        _ => return None,
    })
}

fn truststore_error(kind: &str, path: &str) -> String {
    let commands = if kind == "PKCS12" {
        format!("openssl pkcs12 -in {} -nokeys -out ca.pem", quote(path))
    } else {
        format!(
            "keytool -importkeystore -srckeystore {} -srcstoretype {} -destkeystore truststore.p12 -deststoretype PKCS12 && openssl pkcs12 -in truststore.p12 -nokeys -out ca.pem",
            quote(path),
            quote(kind)
        )
    };
    format!(
        "ssl.truststore.location is a {kind} truststore, which librdkafka cannot read: convert it to PEM with `{commands}` and set ssl.ca.location: ca.pem in the runbook's properties"
    )
}

fn keystore_error(kind: &str, path: &str) -> String {
    let (p12, convert) = if kind == "PKCS12" {
        (quote(path), String::new())
    } else {
        (
            "keystore.p12".to_string(),
            format!(
                "keytool -importkeystore -srckeystore {} -srcstoretype {} -destkeystore keystore.p12 -deststoretype PKCS12 && ",
                quote(path),
                quote(kind)
            ),
        )
    };
    format!(
        "ssl.keystore.location is a {kind} keystore, which librdkafka cannot read: convert it to PEM with `{convert}openssl pkcs12 -in {p12} -clcerts -nokeys -out cert.pem && openssl pkcs12 -in {p12} -nocerts -nodes -out key.pem` and set ssl.certificate.location: cert.pem and ssl.key.location: key.pem in the runbook's properties (or set ssl.keystore.location: {p12} and ssl.keystore.password there: librdkafka reads PKCS#12)"
    )
}

/// A path as a shell word.
fn quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

fn jaas(value: &str, line: usize, runbook_sets: &dyn Fn(&str) -> bool, out: &mut Translation) {
    let config = match parse_jaas(value) {
        Ok(config) => config,
        Err(reason) => {
            out.error(line, format!("sasl.jaas.config: {reason}"));
            return;
        }
    };
    // Whatever happens next, credentials inside the options stay secret.
    out.secrets.extend(
        config
            .options
            .iter()
            .filter(|(name, _)| {
                let name = name.to_ascii_lowercase();
                name.contains("password") || name.contains("secret") || name.contains("token")
            })
            .map(|(_, value)| value.clone()),
    );
    let module = config.module.as_str();
    if module == PLAIN_MODULE || module == SCRAM_MODULE {
        let short = module.rsplit('.').next().unwrap_or(module);
        if config
            .option("tokenauth")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            out.error(
                line,
                format!("sasl.jaas.config: {short} with tokenauth=true logs in with a delegation token, which librdkafka does not support"),
            );
            return;
        }
        let (Some(username), Some(password)) =
            (config.option("username"), config.option("password"))
        else {
            out.error(
                line,
                format!("sasl.jaas.config: {short} needs both username and password options"),
            );
            return;
        };
        out.emit("sasl.username", username, line);
        out.emit("sasl.password", password, line);
        let others: Vec<&str> = config
            .options
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| !["username", "password", "tokenauth"].contains(name))
            .collect();
        if !others.is_empty() {
            out.warn(
                Some(line),
                format!(
                    "sasl.jaas.config: {short} options ignored: {}",
                    others.join(", ")
                ),
            );
        }
        return;
    }
    if runbook_sets("sasl.mechanism") || runbook_sets("sasl.mechanisms") {
        out.warn(
            Some(line),
            format!("sasl.jaas.config (login module {module}) ignored: the runbook's properties set sasl.mechanism"),
        );
        return;
    }
    let (instead, feature) = if module == OAUTH_MODULE {
        ("sasl.mechanism: OAUTHBEARER, sasl.oauthbearer.method: oidc, sasl.oauthbearer.client.id, sasl.oauthbearer.client.secret, sasl.oauthbearer.token.endpoint.url and, if needed, sasl.oauthbearer.scope", Some("oidc"))
    } else if KERBEROS_MODULES.contains(&module) {
        ("sasl.mechanism: GSSAPI, sasl.kerberos.service.name, sasl.kerberos.principal and sasl.kerberos.keytab", Some("sasl_gssapi"))
    } else {
        (
            "sasl.mechanism and the librdkafka sasl.* properties that mechanism needs",
            None,
        )
    };
    let build = match feature {
        Some(feature) if !librdkafka::has_feature(feature) => format!(
            " (and the librdkafka in this cutover was built without {feature}: it cannot log in that way either)"
        ),
        _ => String::new(),
    };
    out.error(
        line,
        format!(
            "sasl.jaas.config: login module {module} cannot be translated (cutover translates PlainLoginModule and ScramLoginModule): set {instead} in the runbook's properties; with sasl.mechanism set there, cutover ignores sasl.jaas.config{build}"
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, value: &str, line: usize) -> Entry {
        Entry {
            key: key.into(),
            value: value.into(),
            line,
        }
    }

    fn pairs(t: &Translation) -> Vec<(&str, &str)> {
        t.entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect()
    }

    fn nothing(_: &str) -> bool {
        false
    }

    #[test]
    fn the_lists_match_librdkafka() {
        for key in JAVA_ONLY {
            assert!(!librdkafka::knows(key), "librdkafka knows {key}");
        }
        for key in SHARED {
            assert!(librdkafka::knows(key), "librdkafka does not know {key}");
        }
    }

    #[test]
    fn translates_plain_and_scram_logins() {
        let t = translate(
            vec![
                entry("security.protocol", "SASL_SSL", 1),
                entry(
                    "sasl.jaas.config",
                    r#"org.apache.kafka.common.security.scram.ScramLoginModule required username="app" password="pw\"1";"#,
                    2,
                ),
                entry("sasl.mechanism", "SCRAM-SHA-512", 3),
            ],
            &nothing,
        );
        assert_eq!(
            pairs(&t),
            [
                ("security.protocol", "SASL_SSL"),
                ("sasl.username", "app"),
                ("sasl.password", "pw\"1"),
                ("sasl.mechanism", "SCRAM-SHA-512")
            ]
        );
        assert_eq!(t.entries[1].line, 2);
        assert!(t.problems.is_empty(), "{:?}", t.problems);
        assert_eq!(t.secrets, ["pw\"1"]);
    }

    #[test]
    fn other_login_modules_are_errors_unless_the_runbook_sets_the_mechanism() {
        let oauth = vec![entry(
            "sasl.jaas.config",
            &format!("{OAUTH_MODULE} required clientId=\"c\" clientSecret=\"very-secret\";"),
            4,
        )];
        let t = translate(oauth.clone(), &nothing);
        assert_eq!(t.problems.len(), 1);
        assert_eq!(t.problems[0].severity, Severity::Error);
        assert_eq!(t.problems[0].line, Some(4));
        assert!(t.problems[0].message.contains(OAUTH_MODULE));
        assert!(t.problems[0]
            .message
            .contains("sasl.oauthbearer.token.endpoint.url"));
        assert_eq!(t.secrets, ["very-secret"]);
        let t = translate(oauth, &|key| key == "sasl.mechanism");
        assert_eq!(t.problems[0].severity, Severity::Warning);

        let t = translate(
            vec![entry(
                "sasl.jaas.config",
                "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;",
                1,
            )],
            &nothing,
        );
        assert!(t.problems[0].message.contains("sasl.kerberos.keytab"));
    }

    #[test]
    fn endpoint_identification_spellings() {
        let t = translate(
            vec![entry("ssl.endpoint.identification.algorithm", "HTTPS", 1)],
            &nothing,
        );
        assert_eq!(
            pairs(&t),
            [("ssl.endpoint.identification.algorithm", "https")]
        );
        let t = translate(
            vec![entry("ssl.endpoint.identification.algorithm", "", 1)],
            &nothing,
        );
        assert_eq!(
            pairs(&t),
            [("ssl.endpoint.identification.algorithm", "none")]
        );
    }

    #[test]
    fn stores() {
        let jks = vec![
            entry("ssl.truststore.location", "/etc/kafka/trust store.jks", 1),
            entry("ssl.truststore.password", "changeit", 2),
            entry("ssl.keystore.location", "/etc/kafka/client.p12", 3),
            entry("ssl.keystore.type", "pkcs12", 4),
            entry("ssl.keystore.password", "changeit", 5),
        ];
        let t = translate(jks.clone(), &nothing);
        let messages: Vec<&str> = t.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("keytool -importkeystore -srckeystore '/etc/kafka/trust store.jks' -srcstoretype JKS -destkeystore truststore.p12 -deststoretype PKCS12 && openssl pkcs12 -in truststore.p12 -nokeys -out ca.pem"), "{}", messages[0]);
        assert!(messages[0].contains("ssl.ca.location"));
        assert!(
            messages[1]
                .contains("openssl pkcs12 -in /etc/kafka/client.p12 -nocerts -nodes -out key.pem"),
            "{}",
            messages[1]
        );
        assert!(!messages[1].contains("keytool"));
        assert!(t.problems.iter().all(|p| p.severity == Severity::Error));
        assert_eq!(pairs(&t), [("ssl.keystore.password", "changeit")]);

        let t = translate(jks, &|key| {
            key == "ssl.ca.location" || key == "ssl.keystore.location"
        });
        assert_eq!(t.problems.len(), 1);
        assert_eq!(t.problems[0].severity, Severity::Warning);
        assert_eq!(pairs(&t), [("ssl.keystore.password", "changeit")]);

        let jks_keystore = vec![
            entry("ssl.keystore.location", "/etc/kafka/client.jks", 1),
            entry("ssl.keystore.password", "changeit", 2),
        ];
        let t = translate(jks_keystore.clone(), &nothing);
        assert!(pairs(&t).is_empty(), "{:?}", pairs(&t));
        assert!(t.problems[0].message.contains("keytool"));
        let t = translate(jks_keystore, &|key| key == "ssl.keystore.location");
        assert!(t.problems.is_empty());
        assert_eq!(pairs(&t), [("ssl.keystore.password", "changeit")]);

        let pem = vec![
            entry("ssl.truststore.type", "PEM", 1),
            entry("ssl.truststore.location", "/ca.pem", 2),
            entry("ssl.keystore.type", "PEM", 3),
            entry("ssl.keystore.location", "/client.pem", 4),
            entry("ssl.key.password", "kp", 5),
        ];
        let t = translate(pem, &nothing);
        assert!(t.problems.is_empty(), "{:?}", t.problems);
        assert_eq!(
            pairs(&t),
            [
                ("ssl.ca.location", "/ca.pem"),
                ("ssl.certificate.location", "/client.pem"),
                ("ssl.key.location", "/client.pem"),
                ("ssl.key.password", "kp")
            ]
        );
    }

    #[test]
    fn java_only_and_unknown_keys_are_dropped_with_warnings() {
        let t = translate(
            vec![
                entry(
                    "key.deserializer",
                    "org.apache.kafka.common.serialization.StringDeserializer",
                    1,
                ),
                entry("client.dns.lookup", "use_all_dns_ips", 2),
                entry("sasl.login.class", "x", 3),
                entry("no.such.key", "x", 4),
                entry("client.id", "a", 5),
                entry("client.id", "b", 6),
            ],
            &nothing,
        );
        assert_eq!(
            pairs(&t),
            [("client.dns.lookup", "use_all_dns_ips"), ("client.id", "b")]
        );
        let messages: Vec<(Severity, &str)> = t
            .problems
            .iter()
            .map(|p| (p.severity, p.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                (Severity::Warning, "Java-only properties ignored (librdkafka has no such setting): key.deserializer (line 1), sasl.login.class (line 3)"),
                (Severity::Warning, "properties librdkafka does not know, ignored: no.such.key (line 4)"),
            ]
        );
    }
}
