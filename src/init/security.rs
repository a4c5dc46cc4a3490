//! Client security settings of one cluster, as librdkafka properties for the runbook.
//!
//! Secrets never reach the runbook: a password becomes `${VAR}` and the variable is listed
//! with where its value is found. Java stores librdkafka cannot read (JKS, and PKCS12
//! truststores) become `${VAR}` file locations with the conversion to do.

use super::model::{Property, Variable, Warning};
use super::Origin;

/// What a cluster's security settings become.
#[derive(Debug, Default)]
pub struct Translated {
    pub properties: Vec<Property>,
    pub variables: Vec<Variable>,
    pub warnings: Vec<Warning>,
}

impl Translated {
    pub fn set(&mut self, key: &str, value: impl Into<String>, comment: impl Into<String>) {
        self.properties.retain(|p| p.key != key);
        self.properties.push(Property {
            key: key.to_string(),
            value: value.into(),
            comment: comment.into(),
        });
    }

    /// `key: ${NAME}`, with the variable listed.
    pub fn secret(&mut self, key: &str, name: &str, comment: &str, description: String) {
        self.set(key, format!("${{{name}}}"), comment);
        if !self.variables.iter().any(|v| v.name == name) {
            self.variables.push(Variable {
                name: name.to_string(),
                description,
            });
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.properties.iter().any(|p| p.key == key)
    }
}

/// One Java client setting of a cluster in a properties file.
#[derive(Debug, Clone)]
pub struct JavaSetting {
    pub value: String,
    pub origin: Origin,
}

/// Translate the Java client security settings of one cluster (`get` looks a key up after
/// MirrorMaker 2's rules: `alias.key`, then the top-level `key`). `role` is SOURCE or TARGET,
/// the prefix of the variables; `file` is the name comments cite.
pub fn from_java(role: &str, file: &str, get: &dyn Fn(&str) -> Option<JavaSetting>) -> Translated {
    let mut out = Translated::default();
    let from = |s: &JavaSetting| s.origin.describe(file);
    if let Some(s) = get("security.protocol") {
        out.set("security.protocol", s.value.trim().to_uppercase(), from(&s));
    }
    if let Some(s) = get("sasl.mechanism") {
        out.set("sasl.mechanism", s.value.trim(), from(&s));
    }
    if let Some(s) = get("sasl.jaas.config") {
        jaas(&mut out, role, file, &s);
    }
    if let Some(s) = get("ssl.endpoint.identification.algorithm") {
        let value = if s.value.trim().is_empty() {
            "none".to_string()
        } else {
            s.value.trim().to_lowercase()
        };
        out.set("ssl.endpoint.identification.algorithm", value, from(&s));
    }
    if let Some(s) = get("ssl.truststore.location") {
        let kind = get("ssl.truststore.type")
            .map(|t| t.value.trim().to_uppercase())
            .unwrap_or_else(|| "JKS".into());
        if kind == "PEM" {
            out.set("ssl.ca.location", s.value.trim(), from(&s));
        } else {
            out.secret(
                "ssl.ca.location",
                &format!("{role}_SSL_CA_LOCATION"),
                &from(&s),
                format!(
                    "a PEM file of the CA certificates in the {kind} truststore {} ({}); librdkafka cannot read {kind}: {}openssl pkcs12 -in truststore.p12 -nokeys -out ca.pem",
                    s.value.trim(),
                    from(&s),
                    if kind == "JKS" { "keytool -importkeystore -srckeystore TRUSTSTORE.jks -srcstoretype JKS -destkeystore truststore.p12 -deststoretype PKCS12 && " } else { "" }
                ),
            );
        }
    }
    if let Some(s) = get("ssl.keystore.location") {
        let kind = get("ssl.keystore.type")
            .map(|t| t.value.trim().to_uppercase())
            .unwrap_or_else(|| "JKS".into());
        match kind.as_str() {
            "PEM" => {
                out.set("ssl.certificate.location", s.value.trim(), from(&s));
                out.set("ssl.key.location", s.value.trim(), from(&s));
            }
            "PKCS12" => {
                out.set("ssl.keystore.location", s.value.trim(), from(&s));
                let origin = get("ssl.keystore.password").map_or(from(&s), |p| from(&p));
                out.secret(
                    "ssl.keystore.password",
                    &format!("{role}_KEYSTORE_PASSWORD"),
                    &origin,
                    format!(
                        "the password of the PKCS12 keystore {} ({origin}; not copied)",
                        s.value.trim()
                    ),
                );
            }
            _ => {
                let convert = format!(
                    "convert the {kind} keystore {} ({}): keytool -importkeystore -srckeystore KEYSTORE.jks -srcstoretype JKS -destkeystore keystore.p12 -deststoretype PKCS12",
                    s.value.trim(),
                    from(&s)
                );
                out.secret(
                    "ssl.certificate.location",
                    &format!("{role}_SSL_CERTIFICATE_LOCATION"),
                    &from(&s),
                    format!("a PEM client certificate: {convert} && openssl pkcs12 -in keystore.p12 -clcerts -nokeys -out cert.pem"),
                );
                out.secret(
                    "ssl.key.location",
                    &format!("{role}_SSL_KEY_LOCATION"),
                    &from(&s),
                    format!("a PEM private key: {convert} && openssl pkcs12 -in keystore.p12 -nocerts -nodes -out key.pem"),
                );
            }
        }
    }
    // A JKS keystore is converted with `-nodes`: its PEM key has no password.
    let converted_key = get("ssl.keystore.location").is_some()
        && !matches!(
            get("ssl.keystore.type")
                .map(|t| t.value.trim().to_uppercase())
                .as_deref(),
            Some("PEM") | Some("PKCS12")
        );
    if let Some(s) = get("ssl.key.password").filter(|_| !converted_key) {
        out.secret(
            "ssl.key.password",
            &format!("{role}_KEY_PASSWORD"),
            &from(&s),
            format!("the password of the private key ({}; not copied)", from(&s)),
        );
    }
    out
}

fn jaas(out: &mut Translated, role: &str, file: &str, setting: &JavaSetting) {
    let from = setting.origin.describe(file);
    let parsed = match crate::runbook::jaas::parse_jaas(&setting.value) {
        Ok(parsed) => parsed,
        Err(reason) => {
            out.warnings.push(Warning {
                origin: setting.origin.clone(),
                message: format!(
                    "{}: not translated ({reason}): set sasl.username and sasl.password in the runbook by hand",
                    setting.origin.setting
                ),
            });
            return;
        }
    };
    let module = parsed.module.rsplit('.').next().unwrap_or("").to_string();
    if module != "PlainLoginModule" && module != "ScramLoginModule" {
        out.warnings.push(Warning {
            origin: setting.origin.clone(),
            message: format!(
                "{}: login module {} is not translated: set the librdkafka sasl.* properties of the {} cluster in the runbook by hand (see docs/runbook-format.md, Properties files)",
                setting.origin.setting,
                parsed.module,
                role.to_lowercase()
            ),
        });
        return;
    }
    match parsed.option("username") {
        Some(user) if !user.contains("${") => {
            out.set("sasl.username", user, from.clone());
        }
        _ => out.secret(
            "sasl.username",
            &format!("{role}_USERNAME"),
            &from,
            format!("the user name in {} ({from})", setting.origin.setting),
        ),
    }
    let user = parsed.option("username").unwrap_or("?").to_string();
    out.secret(
        "sasl.password",
        &format!("{role}_PASSWORD"),
        &from,
        format!(
            "the password of user `{user}` in {} ({from}; not copied)",
            setting.origin.setting
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<JavaSetting> + 'a {
        move |key: &str| {
            pairs
                .iter()
                .enumerate()
                .find(|(_, (k, _))| *k == key)
                .map(|(i, (k, v))| JavaSetting {
                    value: v.to_string(),
                    origin: Origin::line(i + 1, format!("old.{k}")),
                })
        }
    }

    #[test]
    fn scram_password_becomes_a_variable() {
        let get = settings(&[
            ("security.protocol", "sasl_ssl"),
            ("sasl.mechanism", "SCRAM-SHA-512"),
            (
                "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"mm2\" password=\"s3cret-pw\";",
            ),
        ]);
        let t = from_java("SOURCE", "mm2.properties", &get);
        let find = |k: &str| {
            t.properties
                .iter()
                .find(|p| p.key == k)
                .unwrap()
                .value
                .clone()
        };
        assert_eq!(find("security.protocol"), "SASL_SSL");
        assert_eq!(find("sasl.username"), "mm2");
        assert_eq!(find("sasl.password"), "${SOURCE_PASSWORD}");
        assert!(!format!("{t:?}").contains("s3cret-pw"));
        assert_eq!(t.variables[0].name, "SOURCE_PASSWORD");
        assert!(t.variables[0].description.contains("mm2.properties:3"));
    }

    #[test]
    fn jks_truststore_becomes_a_pem_variable() {
        let get = settings(&[("ssl.truststore.location", "/etc/kafka/ts.jks")]);
        let t = from_java("TARGET", "mm2.properties", &get);
        assert_eq!(t.properties[0].key, "ssl.ca.location");
        assert_eq!(t.properties[0].value, "${TARGET_SSL_CA_LOCATION}");
        assert!(t.variables[0].description.contains("keytool"));
    }

    #[test]
    fn pem_truststore_is_used_as_is() {
        let get = settings(&[
            ("ssl.truststore.location", "/etc/kafka/ca.pem"),
            ("ssl.truststore.type", "PEM"),
        ]);
        let t = from_java("SOURCE", "f", &get);
        assert_eq!(t.properties[0].value, "/etc/kafka/ca.pem");
        assert!(t.variables.is_empty());
    }

    #[test]
    fn a_jks_keystore_becomes_pem_locations_without_a_key_password() {
        let get = settings(&[
            ("ssl.keystore.location", "/etc/kafka/ks.jks"),
            ("ssl.key.password", "key-pw"),
        ]);
        let t = from_java("SOURCE", "f", &get);
        let keys: Vec<&str> = t.properties.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, vec!["ssl.certificate.location", "ssl.key.location"]);
        // A PEM keystore keeps its key password, as a variable.
        let get = settings(&[
            ("ssl.keystore.location", "/etc/kafka/ks.pem"),
            ("ssl.keystore.type", "PEM"),
            ("ssl.key.password", "key-pw"),
        ]);
        let t = from_java("SOURCE", "f", &get);
        let password = t
            .properties
            .iter()
            .find(|p| p.key == "ssl.key.password")
            .unwrap();
        assert_eq!(password.value, "${SOURCE_KEY_PASSWORD}");
    }

    #[test]
    fn other_login_modules_are_a_warning() {
        let get = settings(&[(
            "sasl.jaas.config",
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;",
        )]);
        let t = from_java("SOURCE", "f", &get);
        assert!(t.properties.is_empty());
        assert!(t.warnings[0].message.contains("OAuthBearerLoginModule"));
    }
}
