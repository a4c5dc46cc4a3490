//! Files named in client properties (CA certificates, client certificate and key, PKCS#12
//! keystore, CRL, Kerberos keytab). librdkafka opens them only when a client is created, and
//! then says little more than an OpenSSL error code; the tool looks first and names the
//! property and the path. `validate` warns (the file may exist only on the operator's host);
//! `check` and `run` refuse to start without it.

use std::path::Path;

use super::model::{Cluster, PropertyOrigin};

/// librdkafka properties whose value is a path the client reads.
pub const FILE_PROPERTIES: [&str; 6] = [
    "ssl.ca.location",
    "ssl.certificate.location",
    "ssl.key.location",
    "ssl.keystore.location",
    "ssl.crl.location",
    "sasl.kerberos.keytab",
];

/// A file a property names that cannot be read here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub key: String,
    /// As shown (a `${VAR}` value stays a reference).
    pub path: String,
    pub reason: String,
    pub origin: PropertyOrigin,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = match &self.origin {
            PropertyOrigin::Runbook(position) => {
                format!("set in the runbook, line {}", position.line)
            }
            PropertyOrigin::File { path, line } => format!("set in {}:{line}", path.display()),
        };
        write!(
            f,
            "{} ({set}): cannot read {}: {}",
            self.key, self.path, self.reason
        )
    }
}

/// Why `path` cannot be read, if it cannot. A directory is readable when it can be listed
/// (`ssl.ca.location` may name one).
fn problem(key: &str, path: &Path) -> Option<String> {
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return Some(io_reason(&e)),
    };
    let result = if metadata.is_dir() {
        if key != "ssl.ca.location" {
            return Some("it is a directory, not a file".into());
        }
        std::fs::read_dir(path).map(|_| ())
    } else {
        std::fs::File::open(path).map(|_| ())
    };
    result.err().map(|e| io_reason(&e))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// The files the cluster's properties name that cannot be read from here (a relative path
/// is read from the working directory, as librdkafka does).
pub fn unreadable(cluster: &Cluster) -> Vec<Unreadable> {
    FILE_PROPERTIES
        .iter()
        .filter_map(|key| {
            let property = cluster.properties.get(*key)?;
            let value = &property.value.value;
            // librdkafka's own words for "the system's CA store".
            if *key == "ssl.ca.location" && value == "probe" {
                return None;
            }
            let reason = problem(key, Path::new(value))?;
            Some(Unreadable {
                key: key.to_string(),
                path: property.value.shown.clone(),
                reason,
                origin: property.origin.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::model::{Property, Role, Setting};
    use crate::runbook::Position;

    fn cluster(properties: &[(&str, &str)]) -> Cluster {
        Cluster {
            role: Role::Source,
            bootstrap: Setting::plain("127.0.0.1:9092"),
            cluster_id: None,
            properties_file: None,
            properties: properties
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        Property {
                            value: Setting::plain(*v),
                            origin: PropertyOrigin::Runbook(Position { line: 7, column: 5 }),
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn a_missing_file_is_named_with_its_property_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let present = dir.path().join("ca.pem");
        std::fs::write(&present, "x").unwrap();
        let missing = dir.path().join("client.key");
        let c = cluster(&[
            ("ssl.ca.location", present.to_str().unwrap()),
            ("ssl.key.location", missing.to_str().unwrap()),
            ("security.protocol", "SSL"),
        ]);
        let found = unreadable(&c);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].to_string(),
            format!(
                "ssl.key.location (set in the runbook, line 7): cannot read {}: no such file",
                missing.display()
            )
        );
    }

    #[test]
    fn the_system_store_and_a_ca_directory_are_readable() {
        let dir = tempfile::tempdir().unwrap();
        let c = cluster(&[("ssl.ca.location", "probe")]);
        assert!(unreadable(&c).is_empty());
        let c = cluster(&[("ssl.ca.location", dir.path().to_str().unwrap())]);
        assert!(unreadable(&c).is_empty());
        let c = cluster(&[("ssl.certificate.location", dir.path().to_str().unwrap())]);
        assert_eq!(unreadable(&c)[0].reason, "it is a directory, not a file");
    }
}
