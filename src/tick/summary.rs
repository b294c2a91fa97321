//! Summaries: the project's `all-complete` and a batch's completion notification, each
//! once per round (ledgers under `cache/`).

#[allow(clippy::wildcard_imports)]
use super::*;

/// What `project_complete` remembers per project (`cache/all-complete/<project>.json`).
#[derive(Debug, Default, Serialize, serde::Deserialize)]
pub(super) struct RoundLedger {
    /// The project's records (live ids with status, archived ids) when last evaluated
    /// with nothing left to do; an unchanged project is not read again.
    fingerprint: u64,
    /// Sessions created up to this time were covered by an earlier summary.
    cutoff: Option<Timestamp>,
    /// Key of the round being delivered.
    round: String,
    /// Notifiers that got this round's summary.
    sent: BTreeMap<String, Timestamp>,
}

/// FNV-1a over strings, for the round fingerprint.
pub(super) fn fnv(parts: impl IntoIterator<Item = String>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.as_bytes().iter().chain(b"\n") {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The project's `all-complete` summary, once, when its last session in progress ended —
/// whatever ended it (merge, `ao session kill`, cleanup) and however it was spawned. A
/// round is every session created since the previous summary; sessions of a batch are
/// summarised by their batch (and batches whose last session was archived are checked
/// here too).
pub(super) fn project_complete(
    ctx: &Ctx,
    project: &str,
    now: Timestamp,
    sum: &mut TickSummary,
) -> anyhow::Result<()> {
    if !ctx.store.sessions_dir(project)?.exists() && !ctx.store.archive_dir(project)?.exists() {
        return Ok(());
    }
    let (live, _) = ctx.store.list(Some(project))?;
    if live.iter().any(|r| !r.status.is_terminal()) {
        return Ok(());
    }
    let archive_ids: Vec<String> = match std::fs::read_dir(ctx.store.archive_dir(project)?) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    let mut parts: Vec<String> = live
        .iter()
        .map(|r| format!("live {} {}", r.id, r.status))
        .chain(archive_ids.into_iter().map(|n| format!("archived {n}")))
        .collect();
    parts.sort();
    let fingerprint = fnv(parts);
    let file = ctx
        .store
        .cache_dir()
        .join("all-complete")
        .join(format!("{project}.json"));
    let mut ledger: RoundLedger = std::fs::read(&file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    if ledger.fingerprint == fingerprint {
        return Ok(());
    }
    let (archived, _) = ctx.store.list_archived(Some(project))?;
    let newer = |r: &&SessionRecord| ledger.cutoff.is_none_or(|c| r.created_at > c);
    let round: Vec<&SessionRecord> = live.iter().chain(archived.iter()).filter(newer).collect();
    let batches: BTreeSet<&str> = round.iter().filter_map(|r| r.batch.as_deref()).collect();
    for b in batches {
        if let Err(e) = batch_complete(ctx, project, b, now, sum) {
            sum.failures.push(Failure {
                session: None,
                error: format!("batch {b}: {e:#}"),
            });
        }
    }
    let members: Vec<&SessionRecord> = round.into_iter().filter(|r| r.batch.is_none()).collect();
    let pcfg = ctx.config.projects.get(project);
    let settings = settings(&ctx.config, pcfg, ctx.store.root());
    let done = match lifecycle::project_complete(project, &members, &settings, now) {
        None => true,
        Some((_, n)) => {
            if ledger.round != n.key {
                ledger.round = n.key.clone();
                ledger.sent.clear();
            }
            let (sent, all_sent) = Dispatcher::new(&ctx.config, ctx.store.root(), now).send_routed(
                &n,
                &mut ledger.sent,
                &serde_json::json!({"project": project}),
            );
            report_summary(ctx, project, project, sent, sum)?;
            if all_sent {
                ledger.cutoff = members.iter().map(|r| r.created_at).max();
                ledger.sent.clear();
            }
            all_sent
        }
    };
    if done {
        ledger.fingerprint = fingerprint;
    }
    if let Some(d) = file.parent() {
        crate::sys::atomic::ensure_private_dir(d)?;
    }
    crate::sys::atomic::write(&file, &serde_json::to_vec(&ledger)?)?;
    Ok(())
}

/// Sends the `all-complete` notification of a batch once, when all its sessions ended.
pub(super) fn batch_complete(
    ctx: &Ctx,
    project: &str,
    batch: &str,
    now: Timestamp,
    sum: &mut TickSummary,
) -> anyhow::Result<()> {
    crate::model::validate_name(batch, "batch id")?;
    let (live, _) = ctx.store.list(Some(project))?;
    let live: Vec<SessionRecord> = live
        .into_iter()
        .filter(|r| r.batch.as_deref() == Some(batch))
        .collect();
    if live.iter().any(|r| !r.status.is_terminal()) {
        return Ok(());
    }
    let file = ctx
        .store
        .cache_dir()
        .join("batches")
        .join(format!("{batch}.json"));
    let mut ledger: BTreeMap<String, Timestamp> = std::fs::read(&file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let (archived, _) = ctx.store.list_archived(Some(project))?;
    let mut members: Vec<&SessionRecord> = live.iter().collect();
    members.extend(
        archived
            .iter()
            .filter(|r| r.batch.as_deref() == Some(batch)),
    );
    let pcfg = ctx.config.projects.get(project);
    let settings = settings(&ctx.config, pcfg, ctx.store.root());
    let Some((_, n)) = lifecycle::all_complete(batch, &members, &settings, now) else {
        return Ok(());
    };
    let (sent, _) = Dispatcher::new(&ctx.config, ctx.store.root(), now).send_routed(
        &n,
        &mut ledger,
        &serde_json::json!({"batch": batch}),
    );
    let changed = sent.iter().any(|d| matches!(d.outcome, Outcome::Sent));
    report_summary(ctx, project, batch, sent, sum)?;
    if changed {
        if let Some(d) = file.parent() {
            crate::sys::atomic::ensure_private_dir(d)?;
        }
        crate::sys::atomic::write(&file, &serde_json::to_vec(&ledger)?)?;
    }
    Ok(())
}

/// Records the sends of a project or batch summary (`on`: the project or batch id): their
/// events, scoped to `project`, and one action each ("sent" or "failed: <error>").
fn report_summary(
    ctx: &Ctx,
    project: &str,
    on: &str,
    sent: Vec<crate::notify::Dispatch>,
    sum: &mut TickSummary,
) -> anyhow::Result<()> {
    for d in sent {
        let outcome = match &d.outcome {
            Outcome::Failed(e) => format!("failed: {e}"),
            Outcome::Sent => "sent".to_owned(),
            Outcome::Held => "held".to_owned(),
        };
        let detail = d.title.clone();
        if let Some(e) = d.about(project, None).event {
            ctx.store.event(e)?;
        }
        sum.actions.push(ActionReport {
            session: on.to_owned(),
            action: "notify".into(),
            detail,
            outcome,
        });
    }
    Ok(())
}
