//! From the configuration file to the runbook text: pick the flow, compile its filters, warn,
//! optionally discover, render, and validate the result before anyone sees it.

use std::path::Path;

use super::discover::{self, Discovered, Filters};
use super::filters::{Compiled, Filter};
use super::model::{Flow, Warning};
use super::render::{self, Selection, DRAIN_TIMEOUT_SECS};
use super::{cited_name, read, warnings, InitError, Options};

/// The runbook and the warnings about the configuration it came from.
#[derive(Debug)]
pub struct Generated {
    pub text: String,
    pub warnings: Vec<Warning>,
    /// The file name warnings cite.
    pub cited: String,
}

struct CompiledFlow {
    topics: Compiled,
    topics_exclude: Compiled,
    groups: Compiled,
    groups_exclude: Compiled,
}

pub fn generate(path: &Path, options: &Options) -> Result<Generated, InitError> {
    let file = path.display().to_string();
    let cited = cited_name(path);
    let (setup, index) = read(path, options)?;
    let flow = &setup.flows[index];
    let interval = warnings::checkpoint_interval(flow, &file)?;
    let compiled = CompiledFlow {
        topics: flow.topics.compile(&file)?,
        topics_exclude: flow.topics_exclude.compile(&file)?,
        groups: flow.groups.compile(&file)?,
        groups_exclude: flow.groups_exclude.compile(&file)?,
    };
    for (filter, c, what) in [
        (&flow.topics, &compiled.topics, "topic"),
        (&flow.groups, &compiled.groups, "consumer group"),
    ] {
        if c.is_empty() {
            return Err(InitError::at(
                &file,
                filter.origin.line,
                format!(
                    "{} is empty: MirrorMaker 2 mirrors no {what} in flow {}",
                    filter.origin.setting,
                    flow.name()
                ),
            ));
        }
    }
    let mut warnings =
        warnings::static_warnings(flow, interval, DRAIN_TIMEOUT_SECS, options.discover);
    let separator = flow.source_policy.separator().to_string();
    let filters = Filters {
        topics: &compiled.topics,
        topics_exclude: &compiled.topics_exclude,
        groups: &compiled.groups,
        groups_exclude: &compiled.groups_exclude,
        // The setting that narrows the groups: the include list when it is set, else the
        // exclude list.
        groups_origin: if flow.groups.origin.line.is_some()
            || flow.groups_exclude.origin.line.is_none()
        {
            flow.groups.origin.clone()
        } else {
            flow.groups_exclude.origin.clone()
        },
        separator: separator.clone(),
    };

    let found = if options.discover {
        let found = discover_source(path, flow, &cited, &setup.format, interval, &filters)?;
        warnings.extend(discover::left_out_warning(&found, &filters));
        Some(found)
    } else {
        None
    };
    let topics = topic_selection(&file, &cited, flow, &compiled, &separator, found.as_ref())?;
    let groups = group_selection(&file, &cited, flow, &compiled, found.as_ref())?;
    let text = render::runbook(&render::Input {
        flow,
        cited: &cited,
        format: &setup.format,
        warnings: &warnings,
        topics: &topics,
        groups: &groups,
        checkpoint_interval: interval,
    });
    self_check(path, &text, flow)?;
    Ok(Generated {
        text,
        warnings,
        cited,
    })
}

/// The include patterns of a filter, or the error saying why the runbook cannot hold them.
fn patterns(file: &str, filter: &Filter, c: &Compiled) -> Result<Vec<String>, InitError> {
    c.runbook.clone().map_err(|reason| {
        InitError::at(
            file,
            filter.origin.line,
            format!(
                "{}: {reason}: run `cutover init --discover` to write the names the filter selects instead",
                filter.origin.setting
            ),
        )
    })
}

fn excludes(
    file: &str,
    cited: &str,
    filter: &Filter,
    c: &Compiled,
    discovered: bool,
    notes: &mut Vec<String>,
) -> Result<Vec<(String, String)>, InitError> {
    let from = filter.origin.describe(cited);
    match (&c.runbook, discovered) {
        (Ok(list), _) => Ok(list.iter().map(|p| (p.clone(), from.clone())).collect()),
        (Err(_), true) => {
            notes.push(format!(
                "{} ({from}) = {} is applied to the names above; the runbook's regular expressions cannot express it",
                filter.origin.setting,
                filter.entries.join(", ")
            ));
            Ok(Vec::new())
        }
        (Err(_), false) => patterns(file, filter, c).map(|_| Vec::new()),
    }
}

fn literal(name: &str) -> String {
    if name.chars().any(|c| "\\+*?()|[]{}^$".contains(c)) {
        regex::escape(name)
    } else {
        name.to_string()
    }
}

fn topic_selection(
    file: &str,
    cited: &str,
    flow: &Flow,
    c: &CompiledFlow,
    separator: &str,
    found: Option<&Discovered>,
) -> Result<Selection, InitError> {
    let mut include_comments = Vec::new();
    let mut exclude = excludes(
        file,
        cited,
        &flow.topics_exclude,
        &c.topics_exclude,
        found.is_some(),
        &mut include_comments,
    )?;
    let never =
        "MirrorMaker 2 never replicates internal topics (ReplicationPolicy.isInternalTopic)";
    let heartbeats = "heartbeats are replicated under another name: never compared";
    let sep = regex::escape(separator);
    let written = c.topics_exclude.runbook.is_ok();
    for (p, why, probes) in [
        ("__.*".to_string(), never, vec!["__x".to_string()]),
        (r"\..*".to_string(), never, vec![".x".to_string()]),
        (
            r".*[.-]internal".to_string(),
            never,
            vec!["x.internal".to_string(), "x-internal".to_string()],
        ),
        (
            "heartbeats".to_string(),
            heartbeats,
            vec!["heartbeats".to_string()],
        ),
        (
            format!(".*{sep}heartbeats"),
            heartbeats,
            vec![format!("x{separator}heartbeats")],
        ),
    ] {
        // Already excluded by the filter as written: no second pattern for the same names.
        let covered = written && probes.iter().all(|n| c.topics_exclude.matches(n));
        if !covered && !exclude.iter().any(|(e, _)| *e == p) {
            exclude.push((p, why.to_string()));
        }
    }
    let from = flow.topics.origin.describe(cited);
    let include = match found {
        Some(found) if !found.topics.is_empty() => {
            include_comments.insert(
                0,
                format!(
                    "--discover: {} of the {} topics on {} match the topic filter ({} = {}, {from}) at generation time; a topic created later is not checked until added here",
                    found.topics.len(),
                    found.all_topics,
                    flow.source.alias.value,
                    flow.topics.origin.setting,
                    flow.topics.entries.join(", ")
                ),
            );
            found.topics.iter().map(|t| literal(t)).collect()
        }
        Some(found) => {
            include_comments.insert(
                0,
                format!(
                    "--discover: none of the {} topics on {} matches the topic filter at generation time; the filter itself ({from}):",
                    found.all_topics, flow.source.alias.value
                ),
            );
            patterns(file, &flow.topics, &c.topics)?
        }
        None => {
            include_comments.insert(0, format!("The topics MirrorMaker 2 mirrors ({from})"));
            patterns(file, &flow.topics, &c.topics)?
        }
    };
    Ok(Selection {
        include,
        include_comments,
        exclude,
    })
}

fn group_selection(
    file: &str,
    cited: &str,
    flow: &Flow,
    c: &CompiledFlow,
    found: Option<&Discovered>,
) -> Result<Selection, InitError> {
    let mut include_comments = Vec::new();
    let exclude = excludes(
        file,
        cited,
        &flow.groups_exclude,
        &c.groups_exclude,
        found.is_some(),
        &mut include_comments,
    )?;
    let from = flow.groups.origin.describe(cited);
    let include = match found {
        Some(found) if !found.groups.is_empty() => {
            include_comments.insert(
                0,
                format!(
                    "--discover: {} of the {} groups on {} match the group filter ({} = {}, {from}); the {} listed have commits on the topics above (MirrorMaker 2 checkpoints only those)",
                    found.matching_groups,
                    found.all_groups,
                    flow.source.alias.value,
                    flow.groups.origin.setting,
                    flow.groups.entries.join(", "),
                    found.groups.len()
                ),
            );
            found.groups.iter().map(|g| literal(g)).collect()
        }
        Some(found) => {
            include_comments.insert(
                0,
                format!(
                    "--discover: no group on {} ({} listed) matches the group filter and has commits on the topics above; the filter itself ({from}):",
                    flow.source.alias.value, found.all_groups
                ),
            );
            patterns(file, &flow.groups, &c.groups)?
        }
        None => {
            include_comments.insert(
                0,
                format!("The consumer groups MirrorMaker 2 checkpoints ({from})"),
            );
            patterns(file, &flow.groups, &c.groups)?
        }
    };
    Ok(Selection {
        include,
        include_comments,
        exclude,
    })
}

/// Connect to the source with the clusters section as generated (its `${VAR}`s from the
/// environment) and select.
fn discover_source(
    path: &Path,
    flow: &Flow,
    cited: &str,
    format: &str,
    interval: u64,
    filters: &Filters<'_>,
) -> Result<Discovered, InitError> {
    let file = path.display().to_string();
    // Only the clusters section matters here: any valid selection will do.
    let any = Selection {
        include: vec![".*".into()],
        include_comments: Vec::new(),
        exclude: Vec::new(),
    };
    let text = render::runbook(&render::Input {
        flow,
        cited,
        format,
        warnings: &[],
        topics: &any,
        groups: &any,
        checkpoint_interval: interval,
    });
    let loaded = crate::runbook::parse(
        Path::new("(generated runbook)"),
        &text,
        &std::env::current_dir().unwrap_or_default(),
        &|name| std::env::var(name).ok(),
    )
    .map_err(|invalid| {
        let problems: Vec<String> = invalid
            .0
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.message.clone())
            .collect();
        InitError::at(
            &file,
            None,
            format!(
                "--discover connects to the source with the generated settings, which are not usable: {}",
                problems.join("; ")
            ),
        )
    })?;
    discover::discover(&loaded.runbook, filters).map_err(|e| {
        InitError::at(
            &file,
            None,
            format!(
                "--discover: {}",
                loaded.runbook.secrets.redact(&e.to_string())
            ),
        )
    })
}

/// The written runbook must validate once its variables are set: prove it with stand-in
/// values before writing anything.
fn self_check(path: &Path, text: &str, flow: &Flow) -> Result<(), InitError> {
    let names: Vec<String> = flow
        .source
        .variables
        .iter()
        .chain(&flow.target.variables)
        .map(|v| v.name.clone())
        .collect();
    let env = |name: &str| {
        names
            .iter()
            .any(|n| n == name)
            .then(|| format!("stand-in-for-{name}"))
    };
    match crate::runbook::parse(
        Path::new("(generated runbook)"),
        text,
        &std::env::current_dir().unwrap_or_default(),
        &env,
    ) {
        Ok(_) => Ok(()),
        Err(invalid) => Err(InitError::at(
            &path.display().to_string(),
            None,
            format!(
                "the generated runbook does not validate: {}",
                invalid
                    .0
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )),
    }
}
