//! Settings that make a cutover unsafe, each citing the setting.

use super::model::{Flow, Warning};
use super::InitError;

/// Java Boolean.parseBoolean: only "true" (any case) is true.
pub fn is_true(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("true")
}

/// `emit.checkpoints.interval.seconds`, checked.
pub fn checkpoint_interval(flow: &Flow, file: &str) -> Result<u64, InitError> {
    let setting = &flow.checkpoint_interval;
    setting.value.trim().parse::<u64>().map_err(|_| {
        InitError::at(
            file,
            setting.origin.line,
            format!(
                "{}: `{}` is not a number of seconds",
                setting.origin.setting, setting.value
            ),
        )
    })
}

/// The warnings of a flow, before any cluster is asked. `drain_timeout` is the timeout of
/// the generated drain step, in seconds. With `discovering`, the group filter is judged
/// against the real groups instead (discover::left_out_warning).
pub fn static_warnings(
    flow: &Flow,
    interval: u64,
    drain_timeout: u64,
    discovering: bool,
) -> Vec<Warning> {
    let mut out = flow.notes.clone();
    let sync = &flow.sync_group_offsets;
    if !is_true(&sync.value) {
        out.push(Warning {
            origin: sync.origin.clone(),
            message: format!(
                "{} is {}: MirrorMaker 2 will not position the consumer groups on the target; the runbook gets an explicit step, commit-offsets-on-target",
                sync.origin.setting,
                sync.value.trim()
            ),
        });
    }
    let emit = &flow.emit_checkpoints;
    if !is_true(&emit.value) {
        out.push(Warning {
            origin: emit.origin.clone(),
            message: format!(
                "checkpoints are disabled ({} is {}): no offset can be translated from checkpoints; offsets_translated compares records around the committed offsets instead (method: content)",
                emit.origin.setting,
                emit.value.trim()
            ),
        });
    } else if interval > drain_timeout {
        out.push(Warning {
            origin: flow.checkpoint_interval.origin.clone(),
            message: format!(
                "{} is {interval}s, longer than the drain step's timeout ({drain_timeout}s): the last checkpoint may come after the check gives up",
                flow.checkpoint_interval.origin.setting
            ),
        });
    }
    let default_groups = flow.groups.is(&[".*"])
        && flow
            .groups_exclude
            .is(&super::filters::GROUPS_EXCLUDE_DEFAULT);
    if !default_groups && !discovering {
        let origin = if flow.groups.is(&[".*"]) {
            flow.groups_exclude.origin.clone()
        } else {
            flow.groups.origin.clone()
        };
        out.push(Warning {
            origin,
            message: format!(
                "the group filter ({} = {}, {} = {}) is narrower than MirrorMaker 2's default: a consumer of the mirrored topics (topics = {}) outside it gets no checkpoints and no translated offsets; run with --discover to list such groups",
                flow.groups.origin.setting,
                flow.groups.entries.join(", "),
                flow.groups_exclude.origin.setting,
                flow.groups_exclude.entries.join(", "),
                flow.topics.entries.join(", ")
            ),
        });
    }
    if flow.per_connector_policy && !flow.source_policy.same_as(&flow.checkpoint_policy) {
        let s = &flow.source_policy;
        let c = &flow.checkpoint_policy;
        let describe = |p: &super::policy::Policy| {
            format!(
                "{}{}",
                p.class.value.trim(),
                p.separator
                    .as_ref()
                    .map(|sep| format!(" with separator `{}`", sep.value))
                    .unwrap_or_default()
            )
        };
        out.push(Warning {
            origin: c.class.origin.clone(),
            message: format!(
                "the source connector runs {} ({}) but the checkpoint connector runs {} ({}): checkpoints then name topics that do not exist on the target; set the same replication.policy.* settings in checkpointConnector.config",
                describe(s),
                s.class.origin.setting,
                describe(c),
                c.class.origin.setting
            ),
        });
    }
    out
}
