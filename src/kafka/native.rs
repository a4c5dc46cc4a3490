//! The one place that calls librdkafka admin APIs the safe rdkafka wrapper lacks:
//! ListOffsets, ListConsumerGroups, DescribeConsumerGroups, ListConsumerGroupOffsets,
//! DescribeAcls.
//!
//! Every call is batched: one request carries every partition or group (ListConsumerGroupOffsets
//! takes one group per request in librdkafka, so they are issued on one queue, a bounded
//! window at a time, and collected together). Each call blocks until every answer arrives or its deadline passes;
//! a missing answer is an error, never an empty result.

use std::ffi::{c_char, c_void, CStr, CString};
use std::time::{Duration, Instant};

use rdkafka::bindings as rd;
use rdkafka::types::RDKafkaErrorCode;

/// A librdkafka client handle borrowed from a live rdkafka client.
#[derive(Clone, Copy)]
pub struct Handle(pub *mut rd::rd_kafka_t);

// librdkafka handles are thread-safe; the owner outlives every call (see Connection).
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

/// librdkafka's message, and its code where it gave one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NativeError(pub String, pub Option<RDKafkaErrorCode>);

type Result<T> = std::result::Result<T, NativeError>;

struct Queue(*mut rd::rd_kafka_queue_t);

impl Drop for Queue {
    fn drop(&mut self) {
        unsafe { rd::rd_kafka_queue_destroy(self.0) }
    }
}

struct Options(*mut rd::rd_kafka_AdminOptions_t);

impl Drop for Options {
    fn drop(&mut self) {
        unsafe { rd::rd_kafka_AdminOptions_destroy(self.0) }
    }
}

struct Event(*mut rd::rd_kafka_event_t);

impl Drop for Event {
    fn drop(&mut self) {
        unsafe { rd::rd_kafka_event_destroy(self.0) }
    }
}

impl Event {
    fn error(&self) -> Option<String> {
        unsafe {
            let code = rd::rd_kafka_event_error(self.0);
            (code != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR)
                .then(|| text(rd::rd_kafka_event_error_string(self.0)))
        }
    }

    /// The code of `error()`.
    fn code(&self) -> Option<RDKafkaErrorCode> {
        let code = unsafe { rd::rd_kafka_event_error(self.0) };
        (code != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR).then(|| code.into())
    }

    fn opaque(&self) -> usize {
        unsafe { rd::rd_kafka_event_opaque(self.0) as usize }
    }
}

struct PartitionList(*mut rd::rd_kafka_topic_partition_list_t);

impl Drop for PartitionList {
    fn drop(&mut self) {
        unsafe { rd::rd_kafka_topic_partition_list_destroy(self.0) }
    }
}

fn text(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

fn c_string(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| NativeError(format!("name contains a NUL byte: {s:?}"), None))
}

fn error_text(error: *const rd::rd_kafka_error_t) -> Option<String> {
    (!error.is_null()).then(|| text(unsafe { rd::rd_kafka_error_string(error) }))
}

fn error_code(error: *const rd::rd_kafka_error_t) -> Option<RDKafkaErrorCode> {
    (!error.is_null()).then(|| unsafe { rd::rd_kafka_error_code(error) }.into())
}

fn options(
    handle: Handle,
    op: rd::rd_kafka_admin_op_t,
    timeout: Duration,
    opaque: usize,
) -> Result<Options> {
    unsafe {
        let options = Options(rd::rd_kafka_AdminOptions_new(handle.0, op));
        if options.0.is_null() {
            return Err(NativeError(
                "librdkafka refused the admin options".into(),
                None,
            ));
        }
        let mut errstr = [0 as c_char; 512];
        let millis = timeout.as_millis().clamp(1, i32::MAX as u128) as i32;
        let code = rd::rd_kafka_AdminOptions_set_request_timeout(
            options.0,
            millis,
            errstr.as_mut_ptr(),
            errstr.len(),
        );
        if code != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            return Err(NativeError(text(errstr.as_ptr()), None));
        }
        rd::rd_kafka_AdminOptions_set_opaque(options.0, opaque as *mut c_void);
        Ok(options)
    }
}

/// Wait for `count` answers on `queue`, each identified by its opaque (0..count).
fn collect(queue: &Queue, count: usize, timeout: Duration, what: &str) -> Result<Vec<Event>> {
    // librdkafka answers by the request timeout; the margin covers its own bookkeeping.
    let deadline = Instant::now() + timeout + Duration::from_secs(2);
    let mut slots: Vec<Option<Event>> = (0..count).map(|_| None).collect();
    let mut received = 0;
    while received < count {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(NativeError(
                format!("{what}: no answer within {}s", timeout.as_secs_f64()),
                None,
            ));
        }
        let millis = left.as_millis().clamp(1, i32::MAX as u128) as i32;
        let raw = unsafe { rd::rd_kafka_queue_poll(queue.0, millis) };
        if raw.is_null() {
            continue;
        }
        let event = Event(raw);
        let slot = event.opaque();
        if slot < count && slots[slot].is_none() {
            slots[slot] = Some(event);
            received += 1;
        }
    }
    Ok(slots
        .into_iter()
        .map(|e| e.expect("every slot filled"))
        .collect())
}

/// OffsetFetch requests in flight at once per call (librdkafka sends one per group). All of
/// them at once made a big estate time itself out: 800 groups queued on one connection, the
/// last ones waited behind the others past their request timeout (issue 14, at 8,000
/// partitions: "Timed out waiting for response from broker 0"). A window keeps every
/// request's wait its own, and still overlaps the round trips.
pub const OFFSET_FETCH_WINDOW: usize = 32;

/// Issue `count` requests (`issue(slot)`, opaque = slot) with at most `window` in flight, and
/// wait for every answer, each handed to `read` as it arrives (and its event freed then). The deadline is for progress: each answer must come within
/// `timeout` (plus librdkafka's bookkeeping margin) of the previous one or of its issue, not
/// all of them within one `timeout`.
fn collect_windowed<T>(
    queue: &Queue,
    count: usize,
    window: usize,
    timeout: Duration,
    what: &str,
    mut issue: impl FnMut(usize) -> Result<()>,
    mut read: impl FnMut(Event) -> T,
) -> Result<Vec<T>> {
    let window = window.max(1);
    let margin = timeout + Duration::from_secs(2);
    let mut slots: Vec<Option<T>> = (0..count).map(|_| None).collect();
    let mut issued = 0;
    let mut received = 0;
    while issued < count.min(window) {
        issue(issued)?;
        issued += 1;
    }
    // The progress deadline moves with each answer, but never past the check's deadline.
    let check = super::retry::deadline();
    let mut deadline = Instant::now() + margin;
    while received < count {
        let (give_up, by_check) = super::retry::give_up_at(deadline, check);
        let left = give_up.saturating_duration_since(Instant::now());
        if left.is_zero() && by_check {
            return Err(NativeError(format!(
                "{what}: not every answer before the check's timeout ({} of {count} answered, {} in flight)",
                received,
                issued - received
            ), None));
        }
        if left.is_zero() {
            return Err(NativeError(
                format!(
                    "{what}: no answer within {}s ({} of {count} answered, {} in flight)",
                    timeout.as_secs_f64(),
                    received,
                    issued - received
                ),
                None,
            ));
        }
        let millis = left.as_millis().clamp(1, i32::MAX as u128) as i32;
        let raw = unsafe { rd::rd_kafka_queue_poll(queue.0, millis) };
        if raw.is_null() {
            continue;
        }
        let event = Event(raw);
        let slot = event.opaque();
        if slot < count && slots[slot].is_none() {
            slots[slot] = Some(read(event));
            received += 1;
            deadline = Instant::now() + margin;
            if issued < count {
                issue(issued)?;
                issued += 1;
            }
        }
    }
    Ok(slots
        .into_iter()
        .map(|e| e.expect("every slot filled"))
        .collect())
}

fn new_queue(handle: Handle) -> Queue {
    Queue(unsafe { rd::rd_kafka_queue_new(handle.0) })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSpec {
    Earliest,
    Latest,
}

/// One partition's (or group's) answer.
pub type PartitionResult<T> = std::result::Result<T, String>;

/// Answers keyed by what was asked for.
pub type Answers<K, T> = Vec<(K, PartitionResult<T>)>;

/// Earliest or latest offsets of many partitions in one ListOffsets call.
pub fn list_offsets(
    handle: Handle,
    partitions: &[(String, i32)],
    spec: OffsetSpec,
    timeout: Duration,
) -> Result<Answers<(String, i32), i64>> {
    let offset = match spec {
        OffsetSpec::Earliest => rd::rd_kafka_OffsetSpec_t::RD_KAFKA_OFFSET_SPEC_EARLIEST as i64,
        OffsetSpec::Latest => rd::rd_kafka_OffsetSpec_t::RD_KAFKA_OFFSET_SPEC_LATEST as i64,
    };
    let asked: Vec<((String, i32), i64)> =
        partitions.iter().map(|tp| (tp.clone(), offset)).collect();
    Ok(list_offsets_raw(handle, &asked, timeout)?
        .into_iter()
        .map(|(tp, answer)| (tp, answer.map(|(offset, _)| offset)))
        .collect())
}

/// An offset and the timestamp of the record there (ms).
pub type OffsetAndTime = (i64, i64);

/// For each partition, the first offset whose record timestamp is at or after the given
/// timestamp (milliseconds), with that record's timestamp, in one ListOffsets call. `None`:
/// no record at or after it (Kafka answers offset -1; `UnifiedLog.fetchOffsetByTimestamp`).
pub fn list_offsets_for_times(
    handle: Handle,
    partitions: &[((String, i32), i64)],
    timeout: Duration,
) -> Result<Answers<(String, i32), Option<OffsetAndTime>>> {
    if let Some((tp, ts)) = partitions.iter().find(|(_, ts)| *ts < 0) {
        return Err(NativeError(
            format!(
                "ListOffsets: timestamp {ts} for {}[{}] is negative",
                tp.0, tp.1
            ),
            None,
        ));
    }
    Ok(list_offsets_raw(handle, partitions, timeout)?
        .into_iter()
        .map(|(tp, answer)| {
            (
                tp,
                answer.map(|(offset, ts)| (offset >= 0).then_some((offset, ts))),
            )
        })
        .collect())
}

/// One ListOffsets call: each partition with its offset spec (a timestamp, or librdkafka's
/// negative EARLIEST/LATEST codes); answers are (offset, timestamp).
fn list_offsets_raw(
    handle: Handle,
    partitions: &[((String, i32), i64)],
    timeout: Duration,
) -> Result<Answers<(String, i32), (i64, i64)>> {
    if partitions.is_empty() {
        return Ok(Vec::new());
    }
    unsafe {
        let list = PartitionList(rd::rd_kafka_topic_partition_list_new(
            partitions.len() as i32
        ));
        for ((topic, partition), offset) in partitions {
            let name = c_string(topic)?;
            let elem = rd::rd_kafka_topic_partition_list_add(list.0, name.as_ptr(), *partition);
            (*elem).offset = *offset;
        }
        let queue = new_queue(handle);
        let options = options(
            handle,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTOFFSETS,
            timeout,
            0,
        )?;
        rd::rd_kafka_ListOffsets(handle.0, list.0, options.0, queue.0);
        let event = collect(&queue, 1, timeout, "ListOffsets")?.remove(0);
        if let Some(error) = event.error() {
            return Err(NativeError(format!("ListOffsets: {error}"), event.code()));
        }
        let result = rd::rd_kafka_event_ListOffsets_result(event.0);
        if result.is_null() {
            return Err(NativeError("ListOffsets: unexpected answer".into(), None));
        }
        let mut count = 0usize;
        let infos = rd::rd_kafka_ListOffsets_result_infos(result, &mut count);
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let info = *infos.add(i);
            let tp = rd::rd_kafka_ListOffsetsResultInfo_topic_partition(info);
            let key = (text((*tp).topic), (*tp).partition);
            let value = if (*tp).err == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
                Ok((
                    (*tp).offset,
                    rd::rd_kafka_ListOffsetsResultInfo_timestamp(info),
                ))
            } else {
                Err(text(rd::rd_kafka_err2str((*tp).err)))
            };
            out.push((key, value));
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupListing {
    pub group: String,
    /// librdkafka's name for the state: Stable, Empty, Dead, PreparingRebalance, ...;
    /// "Unknown" when the broker's ListGroups (before v4) reports none, and for states
    /// librdkafka has no name for (KIP-848's Assigning and Reconciling).
    pub state: String,
    /// "Classic" or "Consumer" (KIP-848) from ListGroups v5 and later; "Unknown" before.
    pub group_type: String,
}

/// Every consumer group of the cluster. Errors from some brokers fail the whole call: a
/// partial list would make a missing group look like a typo.
pub fn list_consumer_groups(handle: Handle, timeout: Duration) -> Result<Vec<GroupListing>> {
    unsafe {
        let queue = new_queue(handle);
        let options = options(
            handle,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS,
            timeout,
            0,
        )?;
        rd::rd_kafka_ListConsumerGroups(handle.0, options.0, queue.0);
        let event = collect(&queue, 1, timeout, "ListGroups")?.remove(0);
        if let Some(error) = event.error() {
            return Err(NativeError(format!("ListGroups: {error}"), event.code()));
        }
        let result = rd::rd_kafka_event_ListConsumerGroups_result(event.0);
        if result.is_null() {
            return Err(NativeError("ListGroups: unexpected answer".into(), None));
        }
        let mut error_count = 0usize;
        let errors = rd::rd_kafka_ListConsumerGroups_result_errors(result, &mut error_count);
        if error_count > 0 {
            let first = error_text(*errors).unwrap_or_default();
            return Err(NativeError(
                format!("ListGroups: {error_count} broker(s) did not answer: {first}"),
                error_code(*errors),
            ));
        }
        let mut count = 0usize;
        let listings = rd::rd_kafka_ListConsumerGroups_result_valid(result, &mut count);
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let listing = *listings.add(i);
            out.push(GroupListing {
                group: text(rd::rd_kafka_ConsumerGroupListing_group_id(listing)),
                state: text(rd::rd_kafka_consumer_group_state_name(
                    rd::rd_kafka_ConsumerGroupListing_state(listing),
                )),
                group_type: text(rd::rd_kafka_consumer_group_type_name(
                    rd::rd_kafka_ConsumerGroupListing_type(listing),
                )),
            });
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub member_id: String,
    pub client_id: String,
    pub host: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDescription {
    pub group: String,
    pub state: String,
    /// "Consumer" when ConsumerGroupDescribe answered (KIP-848), "Classic" when librdkafka
    /// fell back to DescribeGroups.
    pub group_type: String,
    pub members: Vec<Member>,
}

/// State and members of many groups in one DescribeGroups call; each group answers on its own.
pub fn describe_consumer_groups(
    handle: Handle,
    groups: &[String],
    timeout: Duration,
) -> Result<Answers<String, GroupDescription>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    unsafe {
        let names: Vec<CString> = groups.iter().map(|g| c_string(g)).collect::<Result<_>>()?;
        let pointers: Vec<*const c_char> = names.iter().map(|n| n.as_ptr()).collect();
        let queue = new_queue(handle);
        let options = options(
            handle,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS,
            timeout,
            0,
        )?;
        rd::rd_kafka_DescribeConsumerGroups(
            handle.0,
            pointers.as_ptr() as *mut *const c_char,
            pointers.len(),
            options.0,
            queue.0,
        );
        let event = collect(&queue, 1, timeout, "DescribeGroups")?.remove(0);
        if let Some(error) = event.error() {
            return Err(NativeError(
                format!("DescribeGroups: {error}"),
                event.code(),
            ));
        }
        let result = rd::rd_kafka_event_DescribeConsumerGroups_result(event.0);
        if result.is_null() {
            return Err(NativeError(
                "DescribeGroups: unexpected answer".into(),
                None,
            ));
        }
        let mut count = 0usize;
        let descriptions = rd::rd_kafka_DescribeConsumerGroups_result_groups(result, &mut count);
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let d = *descriptions.add(i);
            let group = text(rd::rd_kafka_ConsumerGroupDescription_group_id(d));
            if let Some(error) = error_text(rd::rd_kafka_ConsumerGroupDescription_error(d)) {
                out.push((group, Err(error)));
                continue;
            }
            let members = (0..rd::rd_kafka_ConsumerGroupDescription_member_count(d))
                .map(|m| {
                    let member = rd::rd_kafka_ConsumerGroupDescription_member(d, m);
                    Member {
                        member_id: text(rd::rd_kafka_MemberDescription_consumer_id(member)),
                        client_id: text(rd::rd_kafka_MemberDescription_client_id(member)),
                        host: text(rd::rd_kafka_MemberDescription_host(member)),
                    }
                })
                .collect();
            let state = text(rd::rd_kafka_consumer_group_state_name(
                rd::rd_kafka_ConsumerGroupDescription_state(d),
            ));
            let group_type = text(rd::rd_kafka_consumer_group_type_name(
                rd::rd_kafka_ConsumerGroupDescription_type(d),
            ));
            out.push((
                group.clone(),
                Ok(GroupDescription {
                    group,
                    state,
                    group_type,
                    members,
                }),
            ));
        }
        Ok(out)
    }
}

/// One committed offset; partitions without a commit are left out. The topic is shared by
/// every commit on it (32 bytes a commit, not 48 and a string: 1.6 M commits per cluster at
/// 8,000 partitions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub topic: std::sync::Arc<str>,
    pub partition: i32,
    pub offset: i64,
}

/// Every committed offset of each group: one OffsetFetch per group, at most
/// [`OFFSET_FETCH_WINDOW`] in flight at once, each answer within the timeout of the last.
/// With `only`, the request names those partitions instead of asking for all of them.
pub fn list_consumer_group_offsets(
    handle: Handle,
    groups: &[String],
    only: Option<&[(String, i32)]>,
    timeout: Duration,
) -> Result<Answers<String, Vec<Committed>>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    unsafe {
        let queue = new_queue(handle);
        let partitions = match only {
            Some(list) => {
                let native =
                    PartitionList(rd::rd_kafka_topic_partition_list_new(list.len() as i32));
                for (topic, partition) in list {
                    let name = c_string(topic)?;
                    rd::rd_kafka_topic_partition_list_add(native.0, name.as_ptr(), *partition);
                }
                Some(native)
            }
            None => None,
        };
        let wanted = partitions
            .as_ref()
            .map_or(std::ptr::null(), |p| p.0 as *const _);
        let names: Vec<CString> = groups.iter().map(|g| c_string(g)).collect::<Result<_>>()?;
        let issue = |slot: usize| -> Result<()> {
            let request = rd::rd_kafka_ListConsumerGroupOffsets_new(names[slot].as_ptr(), wanted);
            let options = options(
                handle,
                rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
                timeout,
                slot,
            )?;
            let mut requests = [request];
            rd::rd_kafka_ListConsumerGroupOffsets(
                handle.0,
                requests.as_mut_ptr(),
                1,
                options.0,
                queue.0,
            );
            rd::rd_kafka_ListConsumerGroupOffsets_destroy(request);
            Ok(())
        };
        // Each answer is read as it arrives and its event freed: holding every group's
        // answer until the last came held 800 groups x 2,000 partitions of librdkafka's
        // memory per cluster at 8,000 partitions (issue 14).
        let mut topics: std::collections::HashSet<std::sync::Arc<str>> = Default::default();
        let parse = |event: Event| -> PartitionResult<Vec<Committed>> {
            if let Some(error) = event.error() {
                return Err(error);
            }
            let result = rd::rd_kafka_event_ListConsumerGroupOffsets_result(event.0);
            if result.is_null() {
                return Err("unexpected answer".into());
            }
            let mut count = 0usize;
            let results = rd::rd_kafka_ListConsumerGroupOffsets_result_groups(result, &mut count);
            if count != 1 {
                return Err(format!("{count} answers for one group"));
            }
            let answer = *results;
            if let Some(error) = error_text(rd::rd_kafka_group_result_error(answer)) {
                return Err(error);
            }
            let list = rd::rd_kafka_group_result_partitions(answer);
            let mut committed = Vec::new();
            let mut failure = None;
            if !list.is_null() {
                for i in 0..(*list).cnt as usize {
                    let tp = &*(*list).elems.add(i);
                    if tp.err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
                        failure = Some(format!(
                            "{}[{}]: {}",
                            text(tp.topic),
                            tp.partition,
                            text(rd::rd_kafka_err2str(tp.err))
                        ));
                        break;
                    }
                    if tp.offset >= 0 {
                        let name = text(tp.topic);
                        let topic = match topics.get(name.as_str()) {
                            Some(shared) => shared.clone(),
                            None => {
                                let shared: std::sync::Arc<str> = name.into();
                                topics.insert(shared.clone());
                                shared
                            }
                        };
                        committed.push(Committed {
                            topic,
                            partition: tp.partition,
                            offset: tp.offset,
                        });
                    }
                }
            }
            match failure {
                Some(error) => Err(error),
                None => Ok(committed),
            }
        };
        let answers = collect_windowed(
            &queue,
            groups.len(),
            OFFSET_FETCH_WINDOW,
            timeout,
            "OffsetFetch",
            issue,
            parse,
        )?;
        let out = groups.iter().cloned().zip(answers).collect();
        Ok(out)
    }
}

/// One ACL binding as the cluster reports it; the names are librdkafka's, upper case
/// (TOPIC, GROUP; LITERAL, PREFIXED; READ, WRITE, ALL; ALLOW, DENY).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AclBinding {
    pub resource: String,
    pub name: String,
    pub pattern: String,
    pub principal: String,
    pub host: String,
    pub operation: String,
    pub permission: String,
}

/// Why DescribeAcls failed: a cluster without an authorizer, and a principal not allowed to
/// list ACLs, say so with their own codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AclsError {
    SecurityDisabled(String),
    /// CLUSTER_AUTHORIZATION_FAILED: DescribeAcls needs DESCRIBE on the CLUSTER resource.
    NotAuthorized(String),
    Other(String),
}

/// Every ACL binding of the cluster, in one DescribeAcls call (filter: anything).
pub fn describe_acls(
    handle: Handle,
    timeout: Duration,
) -> std::result::Result<Vec<AclBinding>, AclsError> {
    use rd::rd_kafka_resp_err_t::*;
    let other = |e: NativeError| AclsError::Other(e.0);
    unsafe {
        let mut errstr = [0 as c_char; 512];
        let filter = rd::rd_kafka_AclBindingFilter_new(
            rd::rd_kafka_ResourceType_t::RD_KAFKA_RESOURCE_ANY,
            std::ptr::null(),
            rd::rd_kafka_ResourcePatternType_t::RD_KAFKA_RESOURCE_PATTERN_ANY,
            std::ptr::null(),
            std::ptr::null(),
            rd::rd_kafka_AclOperation_t::RD_KAFKA_ACL_OPERATION_ANY,
            rd::rd_kafka_AclPermissionType_t::RD_KAFKA_ACL_PERMISSION_TYPE_ANY,
            errstr.as_mut_ptr(),
            errstr.len(),
        );
        if filter.is_null() {
            return Err(AclsError::Other(text(errstr.as_ptr())));
        }
        struct Filter(*mut rd::rd_kafka_AclBindingFilter_t);
        impl Drop for Filter {
            fn drop(&mut self) {
                unsafe { rd::rd_kafka_AclBinding_destroy(self.0) }
            }
        }
        let filter = Filter(filter);
        let queue = new_queue(handle);
        let options = options(
            handle,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBEACLS,
            timeout,
            0,
        )
        .map_err(other)?;
        rd::rd_kafka_DescribeAcls(handle.0, filter.0, options.0, queue.0);
        let event = collect(&queue, 1, timeout, "DescribeAcls")
            .map_err(other)?
            .remove(0);
        if let Some(error) = event.error() {
            let message = format!("DescribeAcls: {error}");
            return Err(match rd::rd_kafka_event_error(event.0) {
                RD_KAFKA_RESP_ERR_SECURITY_DISABLED => AclsError::SecurityDisabled(message),
                RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED => AclsError::NotAuthorized(message),
                _ => AclsError::Other(message),
            });
        }
        let result = rd::rd_kafka_event_DescribeAcls_result(event.0);
        if result.is_null() {
            return Err(AclsError::Other("DescribeAcls: unexpected answer".into()));
        }
        let mut count = 0usize;
        let acls = rd::rd_kafka_DescribeAcls_result_acls(result, &mut count);
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let acl = *acls.add(i);
            out.push(AclBinding {
                resource: text(rd::rd_kafka_ResourceType_name(
                    rd::rd_kafka_AclBinding_restype(acl),
                )),
                name: text(rd::rd_kafka_AclBinding_name(acl)),
                pattern: text(rd::rd_kafka_ResourcePatternType_name(
                    rd::rd_kafka_AclBinding_resource_pattern_type(acl),
                )),
                principal: text(rd::rd_kafka_AclBinding_principal(acl)),
                host: text(rd::rd_kafka_AclBinding_host(acl)),
                operation: text(rd::rd_kafka_AclOperation_name(
                    rd::rd_kafka_AclBinding_operation(acl),
                )),
                permission: text(rd::rd_kafka_AclPermissionType_name(
                    rd::rd_kafka_AclBinding_permission_type(acl),
                )),
            });
        }
        Ok(out)
    }
}
