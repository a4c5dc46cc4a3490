//! Retrying a timed-out request within the check's own timeout.
//!
//! `request_timeout` bounds each request; a check's `timeout` bounds the check. A request
//! that timed out on a slow (not a dead) cluster is asked again while the check's deadline
//! leaves room for a whole new attempt, so a big estate's slow answer is not turned into an
//! error at the first request timeout. The deadline belongs to the thread evaluating the
//! check (`checks::evaluate` sets it; `Clusters::both` carries it to the thread asking the
//! other cluster). No deadline (the default): no retry.
//!
//! A cluster that cannot be reached is not retried: librdkafka's complaint (connection
//! refused, name resolution, TLS or SASL failure) is in the error, and a retry would only
//! hold the run for the same answer (a dead cluster must cost one request timeout).

use std::cell::Cell;
use std::time::{Duration, Instant};

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// The current thread's retry deadline.
pub fn deadline() -> Option<Instant> {
    DEADLINE.with(Cell::get)
}

/// Run `f` with `deadline` as this thread's retry deadline (the previous one restored after).
pub fn within<T>(deadline: Option<Instant>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Instant>);
    impl Drop for Restore {
        fn drop(&mut self) {
            DEADLINE.with(|d| d.set(self.0));
        }
    }
    let _restore = Restore(DEADLINE.with(|d| d.replace(deadline)));
    f()
}

/// When a read that must keep making progress gives up. `progress` is the request timeout
/// after the last answer (it moves with each one: a slow but steady read is not a failure),
/// but nothing outlives the check: never past `check`, the thread's check deadline
/// ([`deadline`]). Returns the instant and whether it is the check's deadline.
pub fn give_up_at(progress: Instant, check: Option<Instant>) -> (Instant, bool) {
    match check {
        Some(check) if check <= progress => (check, true),
        _ => (progress, false),
    }
}

/// How long one request may wait: the request timeout, but never past the check's deadline
/// (at least a few milliseconds, so a request past the deadline still ends as a timeout).
pub fn bounded(request_timeout: Duration, check: Option<Instant>, now: Instant) -> Duration {
    match check {
        Some(check) => request_timeout
            .min(check.saturating_duration_since(now))
            .max(Duration::from_millis(10)),
        None => request_timeout,
    }
}

/// Whether an error message says a request timed out on a cluster that was reachable.
pub fn timed_out(message: &str) -> bool {
    let lower = message.to_lowercase();
    // A transport failure on a reachable cluster is librdkafka closing a connection whose
    // request passed `socket.timeout.ms`.
    let timeout = [
        "timed out",
        "no answer within",
        "no new data within",
        "transport failure",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let unreachable = [
        "connection refused",
        "connect to",
        "resolve",
        "brokers are down",
        "ssl",
        "sasl",
        "authenticat",
        "certificate",
        "no route",
        "not supported",
    ]
    .iter()
    .any(|w| lower.contains(w));
    timeout && !unreachable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_waits_no_longer_than_the_check_has_left() {
        let now = Instant::now();
        let ten = Duration::from_secs(10);
        assert_eq!(bounded(ten, None, now), ten);
        assert_eq!(bounded(ten, Some(now + Duration::from_secs(60)), now), ten);
        assert_eq!(
            bounded(ten, Some(now + Duration::from_secs(2)), now),
            Duration::from_secs(2)
        );
        assert_eq!(
            bounded(ten, Some(now - Duration::from_secs(1)), now),
            Duration::from_millis(10)
        );
    }

    #[test]
    fn a_slow_answer_is_retryable_and_a_dead_cluster_is_not() {
        assert!(timed_out(
            "committed offsets: group bench-g774: Timed out waiting for response from broker 0"
        ));
        assert!(timed_out(
            "OffsetFetch: no answer within 10s (3 of 800 answered, 32 in flight)"
        ));
        assert!(!timed_out(
            "end offsets: ListOffsets: no answer within 2s (last broker error: 127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused)"
        ));
        assert!(timed_out("metadata: Local: Broker transport failure"));
        assert!(!timed_out("metadata: Local: Broker transport failure (last broker error: Connect to ipv4#127.0.0.1:1 failed: Connection refused)"));
        assert!(!timed_out(
            "ListGroups: Local: Required feature not supported by broker (last broker error: timed out)"
        ));
        assert!(!timed_out(
            "topic orders[0]: Broker: Unknown topic or partition"
        ));
    }

    /// Review finding 4: a read answering every second moved its progress deadline on
    /// forever, past the check's timeout.
    #[test]
    fn a_slow_but_steady_read_gives_up_at_the_check_deadline() {
        let now = Instant::now();
        let second = Duration::from_secs(1);
        let check = now + 5 * second;
        let mut progress = now + 2 * second;
        for answered in 1..10 {
            // An answer every second: the progress deadline moves on each time.
            progress = now + answered * second + 2 * second;
            let (at, by_check) = give_up_at(progress, Some(check));
            assert!(at <= check, "answer {answered}: past the check's deadline");
            assert_eq!(by_check, progress >= check);
        }
        assert_eq!(give_up_at(now + second, Some(check)), (now + second, false));
        assert_eq!(give_up_at(progress, None), (progress, false));
    }

    #[test]
    fn the_deadline_is_scoped_and_restored() {
        assert_eq!(deadline(), None);
        let at = Instant::now() + Duration::from_secs(5);
        within(Some(at), || {
            assert_eq!(deadline(), Some(at));
            within(None, || assert_eq!(deadline(), None));
            assert_eq!(deadline(), Some(at));
        });
        assert_eq!(deadline(), None);
    }
}
