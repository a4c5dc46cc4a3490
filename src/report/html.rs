//! The report as one self-contained HTML page (inline CSS and SVG, no scripts, no fetches)
//! that reads well in a browser and on paper.

use std::fmt::Write;

use super::{count_rows, item_rows, kind_word, Report};

const STYLE: &str = "
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1d2330; margin: 2rem auto; max-width: 1100px; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { border-bottom: 2px solid #d8dde6; padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: 13px; }
th, td { border: 1px solid #d8dde6; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f2f4f8; }
code { font: 12px ui-monospace, 'SFMono-Regular', Menlo, monospace; background: #f2f4f8; padding: 0 .2rem; border-radius: 3px; word-break: break-all; }
.pass, .done { color: #166534; font-weight: 600; } .fail, .error, .aborted { color: #b91c1c; font-weight: 600; }
.skipped, .unfinished, .info { color: #92400e; font-weight: 600; }
.meta td:first-child { width: 12rem; font-weight: 600; background: #f8f9fb; }
.chart { margin: .3rem 0 .8rem; } .note { color: #556; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } table, svg { break-inside: avoid; } }
";

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn class_of(status: &str) -> &'static str {
    match status.split([' ', ':']).next().unwrap_or("") {
        "pass" | "done" | "finished" => "pass",
        "fail" | "aborted" => "fail",
        "error" => "error",
        "skipped" => "skipped",
        "info" => "info",
        _ => "unfinished",
    }
}

fn seconds(s: Option<f64>) -> String {
    s.map(|s| format!("{s:.1}s")).unwrap_or_else(|| "–".into())
}

/// Remaining lag over time as an inline SVG line chart.
fn lag_chart(points: &[(f64, i64)]) -> String {
    let (width, height, pad) = (640.0, 160.0, 36.0);
    let max_t = points.iter().map(|p| p.0).fold(0.0f64, f64::max).max(1.0);
    let max_v = points.iter().map(|p| p.1).max().unwrap_or(0).max(1) as f64;
    let x = |t: f64| pad + t / max_t * (width - 2.0 * pad);
    let y = |v: f64| height - pad + 8.0 - v / max_v * (height - 2.0 * pad);
    let path: Vec<String> = points
        .iter()
        .map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v as f64)))
        .collect();
    format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"remaining lag over time\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">\
<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#fbfcfe\" stroke=\"#d8dde6\"/>\
<line x1=\"{pad}\" y1=\"{y0:.1}\" x2=\"{xe:.1}\" y2=\"{y0:.1}\" stroke=\"#99a\"/>\
<line x1=\"{pad}\" y1=\"{ytop:.1}\" x2=\"{pad}\" y2=\"{y0:.1}\" stroke=\"#99a\"/>\
<polyline fill=\"none\" stroke=\"#2563eb\" stroke-width=\"2\" points=\"{points}\"/>\
<text x=\"4\" y=\"{ytop:.1}\" font-size=\"11\" fill=\"#556\">{max_v}</text>\
<text x=\"4\" y=\"{y0:.1}\" font-size=\"11\" fill=\"#556\">0</text>\
<text x=\"{xe:.1}\" y=\"{yl:.1}\" font-size=\"11\" fill=\"#556\" text-anchor=\"end\">{max_t:.0}s</text>\
<text x=\"{pad}\" y=\"14\" font-size=\"11\" fill=\"#556\">remaining lag</text></svg>",
        y0 = y(0.0),
        ytop = y(max_v),
        xe = x(max_t),
        yl = y(0.0) + 16.0,
        points = path.join(" "),
    )
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let title = format!("Cutover {}: {}", kind_word(r), r.name);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    out.push_str("<table class=\"meta\">");
    let mut meta = |k: &str, v: String| {
        let _ = write!(out, "<tr><td>{k}</td><td>{v}</td></tr>");
    };
    meta("Run", format!("<code>{}</code>", esc(&r.run_id)));
    meta(
        "Runbook",
        format!(
            "<code>{}</code> (sha256 <code>{}</code>)",
            esc(&r.runbook),
            esc(&r.runbook_sha256)
        ),
    );
    meta(
        "Started",
        format!("{} by {}", esc(&r.started), esc(&r.started_by)),
    );
    meta("Ended", esc(r.ended.as_deref().unwrap_or("–")));
    meta(
        "Outcome",
        format!(
            "<span class=\"{}\">{}</span>",
            super::outcome_class(&r.outcome),
            esc(&r.outcome)
        ),
    );
    if let Some(of) = &r.rollback_of {
        meta("Rollback of", format!("<code>{}</code>", esc(of)));
    }
    if let Some(b) = &r.baseline {
        meta("Rehearsal baseline", format!("<code>{}</code>", esc(b)));
    }
    for resume in &r.resumes {
        meta("Resumed", esc(resume));
    }
    for without in &r.without {
        meta("Without", esc(without));
    }
    for note in &r.notes {
        meta("Note", esc(note));
    }
    for unknown in &r.unknown_events {
        meta("Not understood", esc(unknown));
    }
    out.push_str("</table>\n");

    out.push_str("<h2>Timeline</h2><table><tr><th>Step</th><th>Tier</th><th>Status</th><th>Took</th><th>Rehearsal</th><th>Started</th></tr>");
    for s in &r.steps {
        let status = match &s.skip_reason {
            Some(reason) => format!("skipped: {reason}"),
            None => s.status.clone(),
        };
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.step),
            esc(&s.tier),
            class_of(&status),
            esc(&status),
            seconds(s.seconds),
            seconds(s.baseline_seconds),
            esc(s.started.as_deref().unwrap_or("–"))
        );
    }
    out.push_str("</table>\n<h2>Confirmations, decisions and overrides</h2>");
    if r.confirmations.is_empty() && r.decisions.is_empty() {
        out.push_str("<p class=\"note\">None.</p>");
    } else {
        out.push_str("<table><tr><th>Time</th><th>Step</th><th>Question or decision</th><th>Answer</th><th>By</th></tr>");
        for c in &r.confirmations {
            let _ = write!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{} ({}@{})</td></tr>",
                esc(&c.time),
                esc(&c.step),
                esc(&c.prompt),
                esc(&c.answer),
                esc(&c.by),
                esc(&c.user),
                esc(&c.host)
            );
        }
        for d in &r.decisions {
            let _ = write!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td>decision{}</td><td>{}</td><td>{}</td></tr>",
                esc(&d.time),
                esc(&d.step),
                d.reason.as_deref().map(|r| format!(": {}", esc(r))).unwrap_or_default(),
                esc(&d.choice),
                esc(&d.by)
            );
        }
        out.push_str("</table>");
    }
    out.push_str("\n<h2>Actions</h2>");
    let actions = r.actions();
    if actions.is_empty() {
        out.push_str("<p class=\"note\">None executed.</p>");
    } else {
        out.push_str("<table><tr><th>Step</th><th>Attempt</th><th>Command</th><th>Exit</th><th>Took</th><th>Log</th></tr>");
        for (s, a) in actions {
            let exit = a.outcome();
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td class=\"{}\">{}</td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&s.step),
                a.attempt,
                esc(&a.command),
                if a.exit == Some(0) { "pass" } else { "fail" },
                esc(&exit),
                seconds(a.seconds),
                esc(&a.log)
            );
        }
        out.push_str("</table>");
    }
    out.push_str("\n<h2>Evidence</h2>");
    for s in &r.steps {
        for c in &s.checks {
            let _ = write!(
                out,
                "<h3><code>{}</code> {} {}: <span class=\"{}\">{}</span></h3><p>{} <span class=\"note\">after {} poll(s)</span></p>",
                esc(&s.step),
                esc(&c.phase),
                esc(&c.kind),
                class_of(&c.status),
                esc(&c.status.to_uppercase()),
                esc(&c.summary),
                c.polls
            );
            if let Some(timings) = super::poll_timings(&c.poll_ms) {
                let _ = write!(out, "<p class=\"note\">{}</p>", esc(&timings));
            }
            if c.lag.len() > 1 {
                out.push_str(&lag_chart(&c.lag));
            }
            let counts = count_rows(&c.kind, &c.items);
            if !counts.is_empty() {
                out.push_str("<p>Records per topic, most extra first:</p><table><tr><th>Topic</th><th>Source</th><th>Target</th><th>Extra</th><th>Extra ratio</th><th>Missing</th><th>Status</th></tr>");
                let (shown, hidden) = super::count_rows_shown(&counts);
                for row in shown {
                    out.push_str("<tr>");
                    for (i, c) in row.iter().enumerate() {
                        if i == 6 {
                            let _ = write!(out, "<td class=\"{}\">{}</td>", class_of(c), esc(c));
                        } else {
                            let _ = write!(out, "<td>{}</td>", esc(c));
                        }
                    }
                    out.push_str("</tr>");
                }
                out.push_str("</table>");
                if hidden > 0 {
                    let _ = write!(
                        out,
                        "<p class=\"note\">…and {hidden} more topic(s) with a lower extra ratio in the JSON report (the total counts them).</p>"
                    );
                }
            }
            let rows = item_rows(&c.items);
            if !rows.is_empty() {
                out.push_str("<table><tr><th>Status</th><th>Where</th><th>Source</th><th>Target</th><th>Reason</th></tr>");
                for row in rows.iter().take(200) {
                    let _ = write!(
                        out,
                        "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        class_of(&row[0]),
                        esc(&row[0]),
                        esc(&row[1]),
                        esc(&row[2]),
                        esc(&row[3]),
                        esc(&row[4])
                    );
                }
                out.push_str("</table>");
                if rows.len() > 200 {
                    let _ = write!(
                        out,
                        "<p class=\"note\">…and {} more item(s) in the JSON report.</p>",
                        rows.len() - 200
                    );
                }
                let (failing, passing) = super::unlisted(c);
                if failing + passing > 0 {
                    let _ = write!(
                        out,
                        "<p class=\"note\">…and {failing} more failing and {passing} more passing item(s), counted but not journaled (a poll journals the first 1,000 failing and 20 passing items).</p>"
                    );
                }
            }
        }
    }
    if !r.rollbacks.is_empty() {
        out.push_str("\n<h2>Rollbacks of this run</h2><ul>");
        for rb in &r.rollbacks {
            let _ = write!(
                out,
                "<li><code>{}</code>: <span class=\"{}\">{}</span>; undone: {}</li>",
                esc(&rb.run_id),
                super::outcome_class(&rb.outcome),
                esc(&rb.outcome),
                esc(&rb.steps.join(", "))
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("\n</body></html>\n");
    out
}
