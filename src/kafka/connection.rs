//! A connection to one runbook cluster: client configuration, error capture, timeouts.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::admin::AdminClient;
use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, ConsumerContext};
use rdkafka::error::KafkaError as RdError;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::ClientConfig;

use super::native::Handle;
use crate::runbook::{Cluster, Role, Secrets};

/// A failure talking to a cluster. Never turned into a pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{role} cluster {bootstrap}: {operation}: {message}")]
pub struct KafkaError {
    pub role: Role,
    /// As the runbook shows it (a `${VAR}` reference stays a reference).
    pub bootstrap: String,
    pub operation: String,
    pub message: String,
}

/// Keeps librdkafka's last error and log lines instead of printing them, so a timeout can
/// say why ("Connect to ... failed: Connection refused", "SASL authentication error").
#[derive(Clone, Default)]
pub struct Context {
    last_error: Arc<Mutex<Option<(Instant, String)>>>,
}

impl Context {
    /// librdkafka's last complaint, if it came within `window`: an idle connection closed an
    /// hour ago says nothing about the request that failed now.
    pub fn last_error(&self, window: Duration) -> Option<String> {
        let slot = self.last_error.lock().ok()?;
        let (at, text) = slot.as_ref()?;
        (at.elapsed() <= window).then(|| text.clone())
    }

    fn remember(&self, text: String) {
        if let Ok(mut slot) = self.last_error.lock() {
            *slot = Some((Instant::now(), text));
        }
    }
}

impl ClientContext for Context {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        // FAIL lines are connection failures, logged at info level: a broker that closes
        // the TLS connection after the handshake (no client certificate) says so only there.
        if (level as i32) <= (RDKafkaLogLevel::Warning as i32) || facility == "FAIL" {
            self.remember(with_hint(message));
        }
    }

    fn error(&self, error: RdError, reason: &str) {
        // "1/1 brokers are down" says less than the failure that brought them down.
        let all_down = error.rdkafka_error_code() == Some(RDKafkaErrorCode::AllBrokersDown);
        if all_down && self.last_error(Duration::from_secs(60)).is_some() {
            return;
        }
        self.remember(format!("{error}: {reason}"));
    }
}

/// librdkafka's codes for what a broker does not support: a request (ApiVersion), its version,
/// a SASL mechanism, a compression type or message format.
fn unsupported(code: RDKafkaErrorCode) -> bool {
    matches!(
        code,
        RDKafkaErrorCode::UnsupportedFeature
            | RDKafkaErrorCode::UnsupportedVersion
            | RDKafkaErrorCode::UnsupportedSASLMechanism
            | RDKafkaErrorCode::UnsupportedCompressionType
            | RDKafkaErrorCode::UnsupportedForMessageFormat
    )
}

/// librdkafka's words for a TLS peer that hangs up, and what operators should look at.
/// Matched on the text: librdkafka reports it as a plain transport failure
/// (RD_KAFKA_RESP_ERR__TRANSPORT, rdkafka_transport.c), with no code of its own.
fn with_hint(message: &str) -> String {
    if message.contains("SSL connection closed by peer") && message.contains("APIVERSION_QUERY") {
        return format!(
            "{message}: the broker closed the connection right after the TLS handshake; it may require a client certificate (ssl.certificate.location and ssl.key.location) or reject the one given"
        );
    }
    message.to_string()
}

impl ConsumerContext for Context {}

pub struct Connection {
    pub role: Role,
    pub bootstrap: String,
    pub timeout: Duration,
    config: ClientConfig,
    context: Context,
    admin: AdminClient<Context>,
    consumer: BaseConsumer<Context>,
    secrets: Secrets,
    pub(super) snapshot: std::sync::Mutex<super::snapshot::Snapshot>,
}

/// librdkafka properties the tool sets itself; a runbook value for them would break reads.
const OWNED_PROPERTIES: [&str; 3] = ["bootstrap.servers", "enable.auto.commit", "group.id"];

impl Connection {
    /// How long the next request may wait: `request_timeout`, but never past the deadline
    /// of the check this thread evaluates (`retry::deadline`).
    pub fn request_timeout(&self) -> Duration {
        super::retry::bounded(
            self.timeout,
            super::retry::deadline(),
            std::time::Instant::now(),
        )
    }

    pub fn new(
        cluster: &Cluster,
        timeout: Duration,
        secrets: &Secrets,
    ) -> Result<Connection, KafkaError> {
        // A missing CA, certificate or key file: name the property and the path, before
        // librdkafka answers with an OpenSSL error code.
        if let Some(file) = crate::runbook::files::unreadable(cluster).first() {
            return Err(KafkaError {
                role: cluster.role,
                bootstrap: cluster.bootstrap.shown.clone(),
                operation: "client configuration".into(),
                message: secrets.redact(&file.to_string()),
            });
        }
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &cluster.bootstrap.value);
        let properties: BTreeMap<&str, &str> = cluster
            .properties
            .iter()
            .filter(|(k, _)| !OWNED_PROPERTIES.contains(&k.as_str()))
            .map(|(k, p)| (k.as_str(), p.value.value.as_str()))
            .collect();
        for (key, value) in properties {
            config.set(key, value);
        }
        // Each request is bounded by `timeout` through its own deadline (admin options, our
        // waits). The socket timeout is kept above it on purpose: when librdkafka's socket
        // timeout fires first it drops the connection, and a coordinator-targeted admin call
        // (ListConsumerGroupOffsets) issued on a dropped connection aborts the process in
        // librdkafka 2.12 (use-after-free in rd_kafka_admin_coord_request's error path,
        // "rd_kafka_enq_once_del_source_return: Assertion `eonce->refcnt > 0' failed";
        // confluentinc/librdkafka PR #5397, open). A slow answer then arrives late and is
        // dropped instead of taking the connection down with it.
        let socket_timeout = timeout + timeout.max(std::time::Duration::from_secs(5));
        let millis = socket_timeout.as_millis().to_string();
        config
            .set("enable.auto.commit", "false")
            .set("socket.timeout.ms", &millis)
            .set("log.connection.close", "true");
        // Info, not Warning: connection failures (FAIL) are logged at info level. The
        // context only remembers them; nothing is printed.
        config.set_log_level(RDKafkaLogLevel::Info);
        let context = Context::default();
        let error = |operation: &str, e: RdError| KafkaError {
            role: cluster.role,
            bootstrap: cluster.bootstrap.shown.clone(),
            operation: operation.into(),
            message: secrets.redact(&e.to_string()),
        };
        let admin = config
            .create_with_context(context.clone())
            .map_err(|e| error("client configuration", e))?;
        let consumer = config
            .create_with_context(context.clone())
            .map_err(|e| error("client configuration", e))?;
        Ok(Connection {
            role: cluster.role,
            bootstrap: cluster.bootstrap.shown.clone(),
            timeout,
            config,
            context,
            admin,
            consumer,
            secrets: secrets.clone(),
            snapshot: Default::default(),
        })
    }

    pub fn handle(&self) -> Handle {
        Handle(self.admin.inner().native_ptr())
    }

    pub fn admin(&self) -> &AdminClient<Context> {
        &self.admin
    }

    pub fn consumer(&self) -> &BaseConsumer<Context> {
        &self.consumer
    }

    /// A fresh consumer for reading records (assign + seek), with this cluster's settings.
    pub fn reader(&self, extra: &[(&str, &str)]) -> Result<BaseConsumer<Context>, KafkaError> {
        let mut config = self.config.clone();
        for (key, value) in extra {
            config.set(*key, *value);
        }
        config
            .create_with_context(self.context.clone())
            .map_err(|e| self.error("reader", e.to_string()))
    }

    /// An error for `operation`, with librdkafka's last complaint when there is one.
    pub fn error(&self, operation: &str, message: impl Into<String>) -> KafkaError {
        self.error_with(operation, message.into(), None)
    }

    /// An error for `operation` with librdkafka's code: a request, version or mechanism the
    /// cluster does not support is said so (by the code, not by librdkafka's words).
    pub fn error_with(
        &self,
        operation: &str,
        message: String,
        code: Option<RDKafkaErrorCode>,
    ) -> KafkaError {
        // librdkafka delivers error events (e.g. a SASL authentication failure) through the
        // consumer's queue: serve it so the context has heard them.
        let _ = self.consumer.poll(std::time::Duration::ZERO);
        let mut message = message;
        if code.is_some_and(unsupported) {
            message = format!("not supported by this cluster: {message}");
        }
        // The failed request waited at most its timeout (twice, with librdkafka's retries
        // and the wait for the answer): older complaints are about something else.
        if let Some(last) = self
            .context
            .last_error(self.timeout * 2 + Duration::from_secs(5))
        {
            if !message.contains(&last) {
                message = format!("{message} (last broker error: {last})");
            }
        }
        // A request made when the check's deadline had passed was given only a few
        // milliseconds (`request_timeout`): its failure says that first.
        if super::retry::deadline().is_some_and(|d| std::time::Instant::now() >= d)
            && !message.contains("check's timeout")
        {
            message = format!("{message} (cut short: no answer within the check's timeout)");
        }
        KafkaError {
            role: self.role,
            bootstrap: self.bootstrap.clone(),
            operation: operation.into(),
            message: self.secrets.redact(&message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_complaint_is_not_blamed_on_a_new_failure() {
        let context = Context::default();
        assert_eq!(context.last_error(Duration::from_secs(60)), None);
        context.remember("Disconnected (after 600000ms in state UP)".into());
        assert!(context.last_error(Duration::from_secs(60)).is_some());
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(context.last_error(Duration::from_millis(1)), None);
    }

    #[test]
    fn a_tls_hang_up_after_the_handshake_points_at_the_client_certificate() {
        let line = "ssl://127.0.0.1:9094/bootstrap: Disconnected: SSL connection closed by peer (after 0ms in state APIVERSION_QUERY)";
        assert!(with_hint(line).contains("ssl.certificate.location"));
        let idle = "ssl://127.0.0.1:9094/1: Disconnected: SSL connection closed by peer (after 600000ms in state UP)";
        assert_eq!(with_hint(idle), idle);
    }
}
