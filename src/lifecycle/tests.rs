//! Unit tests of the lifecycle: every status of the seed's state machine, every reaction
//! (fire, pending, escalation by count and by duration, auto off, resolution, flapping,
//! failed sends, merge outcomes), the notification ledger and `all-complete`.

use jiff::Timestamp;

use super::*;
use crate::config::{EscalateAfter, ReactionAction};
use crate::model::MergeOutcome;
use crate::model::{
    ActivitySource, CiState, FailingCheck, HookSignal, Mergeability, PrState, Priority,
    ReviewComment, ReviewDecision, SessionId, Status,
};
use crate::model::{Delivery, EventKind};

/// 2025-01-01T00:00:00Z plus `min` minutes.
pub(super) fn t(min: i64) -> Timestamp {
    Timestamp::from_second(1_735_689_600 + min * 60).unwrap()
}

/// Built-in reactions, 2m ready threshold, 60s grace, killed after 3 missing.
pub(super) fn settings() -> Settings {
    Settings {
        ready_threshold: Duration::from_secs(120),
        spawn_grace: Duration::from_secs(60),
        missing_after: 3,
        unreachable_after: Duration::from_secs(600),
        reactions: ReactionKind::ALL
            .iter()
            .map(|k| (*k, k.builtin()))
            .collect(),
        attach_template: "ao open {session}".into(),
        dashboard_url: Some("file:///tmp/dashboard.html".into()),
        local_scm: false,
        ready_when_quiet: false,
    }
}

/// A fresh session `app-1` created at `t(0)`.
pub(super) fn record() -> SessionRecord {
    SessionRecord {
        version: crate::model::RECORD_VERSION,
        id: SessionId::parse("app-1").unwrap(),
        project: "app".into(),
        issue: None,
        issue_title: None,
        branch: "ao/app-1".into(),
        workspace: "/tmp/ws".into(),
        workspace_plugin: "worktree".into(),
        agent: "claude-code".into(),
        agent_session_id: None,
        runtime: None,
        prompt_file: None,
        created_at: t(0),
        status: Status::Spawning,
        status_since: t(0),
        runtime_state: None,
        runtime_observed_at: None,
        missing_count: 0,
        activity: None,
        pr: None,
        hook: None,
        capture: None,
        reactions: Default::default(),
        notifications: Default::default(),
        last_error: None,
        batch: None,
        cost: None,
        extra: Default::default(),
    }
}

/// An open PR #42, CI pending, review required, clean.
pub(super) fn pr() -> PrFacts {
    PrFacts {
        number: 42,
        url: "https://github.com/o/r/pull/42".into(),
        head_sha: "abc1234def".into(),
        base_sha: Some("base999".into()),
        state: PrState::Open,
        draft: false,
        ci: CiState::Pending,
        failing_checks: vec![],
        review: ReviewDecision::ReviewRequired,
        comments: vec![],
        bot_comments: vec![],
        mergeable: Mergeability::Clean,
        conflict_files: vec![],
        observed_at: t(0),
    }
}

/// `pr` with CI failing on `checks`.
pub(super) fn failing(pr: PrFacts, checks: &[&str]) -> PrFacts {
    PrFacts {
        ci: CiState::Failing,
        failing_checks: checks
            .iter()
            .map(|n| FailingCheck {
                name: (*n).into(),
                url: None,
                excerpt: format!("{n}: assertion failed"),
            })
            .collect(),
        ..pr
    }
}

fn comment(id: &str, body: &str) -> ReviewComment {
    ReviewComment {
        id: id.into(),
        author: "alice".into(),
        path: Some("src/lib.rs".into()),
        line: Some(12),
        body: body.into(),
        url: None,
        bot: false,
    }
}

/// Runtime up, agent running.
pub(super) fn alive() -> RuntimeObs {
    RuntimeObs::Seen {
        exists: true,
        agent_exited: false,
        activity_time: None,
    }
}

fn exited() -> RuntimeObs {
    RuntimeObs::Seen {
        exists: true,
        agent_exited: true,
        activity_time: None,
    }
}

fn missing() -> RuntimeObs {
    RuntimeObs::Seen {
        exists: false,
        agent_exited: false,
        activity_time: None,
    }
}

fn screen(a: Activity, evidence: &str) -> Option<ScreenObs> {
    Some(ScreenObs {
        activity: a,
        evidence: evidence.into(),
        resets: None,
        retrying: false,
        changed_at: None,
    })
}

/// An observation without transcript.
pub(super) fn obs(runtime: RuntimeObs, screen: Option<ScreenObs>, pr: PrObs) -> Observation {
    Observation {
        runtime,
        screen,
        transcript: None,
        pr,
        died: None,
    }
}

/// Agent alive and ready, PR as given.
fn ready(p: PrObs) -> Observation {
    obs(alive(), screen(Activity::Ready, "❯"), p)
}

/// Agent alive and mid-turn, PR as given.
fn working(p: PrObs) -> Observation {
    obs(alive(), screen(Activity::Working, "esc to interrupt"), p)
}

/// A session driven through ticks.
struct H {
    rec: SessionRecord,
    s: Settings,
}

impl H {
    fn new() -> Self {
        Self {
            rec: record(),
            s: settings(),
        }
    }

    fn with(kind: ReactionKind, f: impl FnOnce(&mut ReactionConfig)) -> Self {
        let mut h = Self::new();
        f(h.s.reactions.get_mut(&kind).unwrap());
        h
    }

    /// The needs-input notification a tick at `min` would send (the record is unchanged).
    fn clone_tick(&self, min: i64) -> Decision {
        let o = obs(
            alive(),
            screen(Activity::WaitingInput, "Do you want to proceed?"),
            PrObs::NoPr,
        );
        decide(&self.rec, &o, &self.s, t(min))
    }

    fn tick(&mut self, min: i64, o: Observation) -> Decision {
        let d = decide(&self.rec, &o, &self.s, t(min));
        self.rec = d.record.clone();
        d
    }

    fn sent(&mut self, min: i64, key: &str, r: Result<Delivery, String>) -> Decision {
        let d = on_send_result(&self.rec, key, r, &self.s, t(min));
        self.rec = d.record.clone();
        d
    }

    fn merged(&mut self, min: i64, key: &str, r: Result<MergeOutcome, String>) -> Decision {
        let d = on_merge_result(&self.rec, key, r, &self.s, t(min));
        self.rec = d.record.clone();
        d
    }
}

fn sends(d: &Decision) -> Vec<(&str, &str)> {
    d.actions
        .iter()
        .filter_map(|a| match a {
            Action::SendToAgent { key, message, .. } => Some((key.as_str(), message.as_str())),
            _ => None,
        })
        .collect()
}

fn notes(d: &Decision) -> Vec<&Notification> {
    d.actions
        .iter()
        .filter_map(|a| match a {
            Action::Notify(n) => Some(n),
            _ => None,
        })
        .collect()
}

fn kinds(d: &Decision) -> Vec<EventKind> {
    d.events.iter().map(|e| e.kind.clone()).collect()
}

const CI_KEY: &str = "ci-failed:abc1234def:lint,test";

// ---- statuses -------------------------------------------------------------------------

#[test]
fn spawning_until_seen_running_then_working() {
    let mut h = H::new();
    let d = h.tick(0, obs(RuntimeObs::NotProbed, None, PrObs::NotChecked));
    assert_eq!(d.record.status, Status::Spawning);
    assert!(d.events.is_empty());
    let d = h.tick(1, obs(alive(), None, PrObs::NoPr));
    assert_eq!(d.record.status, Status::Working);
    assert_eq!(d.record.status_since, t(1));
    assert_eq!(d.events[0].kind, EventKind::SessionStatus);
    assert_eq!(d.events[0].data["from"], "spawning");
    assert_eq!(d.events[0].data["to"], "working");
}

#[test]
fn pr_statuses_follow_the_seed_state_machine() {
    use CiState as C;
    use Mergeability as M;
    use ReviewDecision as R;
    let table = [
        (C::Pending, R::ReviewRequired, M::Clean, Status::PrOpen),
        (C::Failing, R::Approved, M::Clean, Status::CiFailed),
        (
            C::Passing,
            R::ReviewRequired,
            M::Clean,
            Status::ReviewPending,
        ),
        (
            C::Passing,
            R::ChangesRequested,
            M::Clean,
            Status::ChangesRequested,
        ),
        (C::Pending, R::Approved, M::Clean, Status::Approved),
        (C::Passing, R::Approved, M::Conflicting, Status::Approved),
        (C::Passing, R::Approved, M::Clean, Status::Mergeable),
        (C::None, R::Approved, M::Clean, Status::Mergeable),
        (C::Passing, R::NotRequired, M::Clean, Status::PrOpen),
    ];
    for (ci, review, mergeable, want) in table {
        let mut h = H::new();
        let p = PrFacts {
            ci,
            review,
            mergeable,
            ..pr()
        };
        let d = h.tick(1, working(PrObs::Pr(p)));
        assert_eq!(d.record.status, want, "{ci:?} {review:?} {mergeable:?}");
    }
}

#[test]
fn draft_or_commented_pr_is_approved_not_mergeable() {
    let green = PrFacts {
        ci: CiState::Passing,
        review: ReviewDecision::Approved,
        ..pr()
    };
    let draft = PrFacts {
        draft: true,
        ..green.clone()
    };
    let commented = PrFacts {
        comments: vec![comment("c1", "nit")],
        ..green
    };
    for p in [draft, commented] {
        let d = H::new().tick(1, working(PrObs::Pr(p)));
        assert_eq!(d.record.status, Status::Approved);
    }
}

#[test]
fn merged_pr_cleans_up_and_cleanup_status_is_kept() {
    let mut h = H::new();
    let d = h.tick(
        1,
        working(PrObs::Pr(PrFacts {
            state: PrState::Merged,
            ..pr()
        })),
    );
    assert_eq!(d.record.status, Status::Merged);
    assert!(d.actions.contains(&Action::Cleanup {
        reason: "merged".into()
    }));
    // The SCM listing drops merged PRs: the merged fact stays.
    let d = h.tick(2, working(PrObs::NoPr));
    assert_eq!(d.record.status, Status::Merged);
    h.rec.status = Status::Cleanup;
    let d = h.tick(3, working(PrObs::NotChecked));
    assert_eq!(d.record.status, Status::Cleanup);
    assert!(d.events.is_empty());
}

#[test]
fn closed_pr_is_done_and_cleaned_up() {
    let d = H::new().tick(
        1,
        working(PrObs::Pr(PrFacts {
            state: PrState::Closed,
            ..pr()
        })),
    );
    assert_eq!(d.record.status, Status::Done);
    assert_eq!(
        d.actions,
        vec![Action::Cleanup {
            reason: "closed".into()
        }]
    );
}

#[test]
fn dialog_on_screen_wins_over_transcript() {
    let mut h = H::new();
    let mut o = obs(
        alive(),
        screen(Activity::WaitingInput, "permission to run `rm -rf build`"),
        PrObs::NoPr,
    );
    o.transcript = Some(ActivityFact {
        state: Activity::Working,
        source: ActivitySource::Transcript,
        evidence: "tool_use".into(),
        resets: None,
        since: t(0),
        observed_at: t(1),
    });
    let d = h.tick(1, o);
    assert_eq!(d.record.status, Status::NeedsInput);
    let n = notes(&d);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].title, "app-1 needs your input");
    assert_eq!(n[0].priority, Priority::Urgent);
    assert!(
        n[0].message.contains("Permission to run `rm -rf build`"),
        "{}",
        n[0].message
    );
    assert!(n[0].message.contains("ao open app-1"));
}

#[test]
fn usage_limit_is_stuck_at_once() {
    let mut h = H::new();
    let o = obs(
        alive(),
        Some(ScreenObs {
            activity: Activity::Blocked,
            evidence: "limit reached".into(),
            resets: Some("3pm".into()),
            retrying: false,
            changed_at: None,
        }),
        PrObs::NoPr,
    );
    let d = h.tick(1, o);
    assert_eq!(d.record.status, Status::Stuck);
    let n = notes(&d);
    assert_eq!(n[0].title, "app-1 is blocked");
    assert!(n[0].message.starts_with("blocked: usage limit, resets 3pm"));
}

#[test]
fn idle_in_the_agents_court_becomes_stuck_after_threshold() {
    let mut h = H::new();
    h.tick(1, ready(PrObs::NoPr));
    assert_eq!(h.rec.activity.as_ref().unwrap().state, Activity::Ready);
    let d = h.tick(4, ready(PrObs::NoPr));
    assert_eq!(d.record.activity.as_ref().unwrap().state, Activity::Idle);
    assert_eq!(d.record.activity.as_ref().unwrap().since, t(1));
    assert_eq!(d.record.status, Status::Working);
    let d = h.tick(11, ready(PrObs::NoPr));
    assert_eq!(d.record.status, Status::Stuck);
    let n = notes(&d);
    assert_eq!(n[0].title, "app-1 appears stuck");
    assert!(
        n[0].message.contains("Idle for 10m, no PR yet"),
        "{}",
        n[0].message
    );
}

#[test]
fn idle_while_waiting_for_review_is_not_stuck() {
    let mut h = H::new();
    let p = PrFacts {
        ci: CiState::Passing,
        ..pr()
    };
    h.tick(1, ready(PrObs::Pr(p.clone())));
    let d = h.tick(30, ready(PrObs::Pr(p)));
    assert_eq!(d.record.status, Status::ReviewPending);
}

#[test]
fn working_without_output_past_threshold_is_stuck() {
    let mut h = H::new();
    let silent = |at: i64| {
        obs(
            RuntimeObs::Seen {
                exists: true,
                agent_exited: false,
                activity_time: Some(t(at).as_second()),
            },
            None,
            PrObs::NoPr,
        )
    };
    h.tick(1, silent(1));
    assert_eq!(h.tick(10, silent(1)).record.status, Status::Working);
    assert_eq!(h.tick(11, silent(1)).record.status, Status::Stuck);
    assert_eq!(h.tick(12, silent(12)).record.status, Status::Working);
}

#[test]
fn exited_agent_is_errored_after_two_probes_and_grace() {
    let mut h = H::new();
    h.tick(0, obs(alive(), None, PrObs::NoPr));
    // Within the grace: not judged.
    h.tick(0, obs(exited(), None, PrObs::NoPr));
    assert_eq!(
        h.tick(0, obs(exited(), None, PrObs::NoPr)).record.status,
        Status::Working
    );
    let d = h.tick(2, obs(exited(), None, PrObs::NoPr));
    assert_eq!(d.record.status, Status::Errored);
    let n = notes(&d);
    assert_eq!(n[0].title, "app-1: agent exited");
    assert!(n[0].message.contains("`ao session restore app-1`"));
    // One exited probe after an alive one is not enough.
    let mut h = H::new();
    h.tick(2, obs(alive(), None, PrObs::NoPr));
    assert_eq!(
        h.tick(3, obs(exited(), None, PrObs::NoPr)).record.status,
        Status::Working
    );
    assert_eq!(
        h.tick(4, obs(exited(), None, PrObs::NoPr)).record.status,
        Status::Errored
    );
}

/// The built-in `message:` of a notify reaction would only repeat the title, so the facts
/// lead; a `message:` of the user's own leads the text.
#[test]
fn a_notification_text_does_not_repeat_its_title() {
    let died = || Observation {
        died: Some("agent process exited (status 1): no network".into()),
        ..obs(exited(), None, PrObs::NoPr)
    };
    let mut h = H::new();
    let n = notes(&h.tick(0, died()))[0].clone();
    assert_eq!(n.title, "app-1: agent exited");
    assert!(
        n.message
            .starts_with("Agent process exited (status 1): no network"),
        "{}",
        n.message
    );
    let mut h = H::with(ReactionKind::AgentExited, |r| {
        r.message = Some("Restart it before the release".into());
    });
    let n = notes(&h.tick(0, died()))[0].clone();
    assert!(
        n.message
            .starts_with("Restart it before the release: agent process exited"),
        "{}",
        n.message
    );
}

/// A pane that died (the runtime says so, not a shell in the foreground) is `errored` on
/// the first look, even within the spawn grace, and the notification carries its last
/// lines.
#[test]
fn pane_death_within_the_grace_is_errored_at_once_with_its_last_lines() {
    let mut h = H::new();
    let died = Observation {
        died: Some(
            "agent process exited (status 1): Unable to connect to Anthropic services".into(),
        ),
        ..obs(exited(), None, PrObs::NoPr)
    };
    let d = h.tick(0, died);
    assert_eq!(d.record.status, Status::Errored);
    let n = notes(&d);
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0].title, "app-1: agent exited");
    assert!(
        n[0].message
            .contains("Unable to connect to Anthropic services"),
        "{}",
        n[0].message
    );
    // The next look (no new death reported) keeps it errored, without a second note.
    let d = h.tick(0, obs(exited(), None, PrObs::NoPr));
    assert_eq!(d.record.status, Status::Errored);
    assert!(notes(&d).is_empty());
}

#[test]
fn killed_needs_consecutive_missing_observations_after_grace() {
    let mut h = H::new();
    h.tick(0, obs(missing(), None, PrObs::NoPr));
    h.tick(0, obs(missing(), None, PrObs::NoPr));
    assert_eq!(h.rec.missing_count, 0, "grace");
    h.tick(2, obs(missing(), None, PrObs::NoPr));
    h.tick(
        3,
        obs(
            RuntimeObs::ProbeFailed("tmux: server exited".into()),
            None,
            PrObs::NoPr,
        ),
    );
    h.tick(4, obs(RuntimeObs::NotProbed, None, PrObs::NoPr));
    h.tick(5, obs(missing(), None, PrObs::NoPr));
    assert_eq!(h.rec.missing_count, 2);
    assert_ne!(h.rec.status, Status::Killed);
    let d = h.tick(6, obs(missing(), None, PrObs::NoPr));
    assert_eq!(d.record.status, Status::Killed);
    assert_eq!(notes(&d)[0].title, "app-1: runtime is gone");
    // It came back: not killed any more.
    let d = h.tick(7, obs(alive(), None, PrObs::NoPr));
    assert_eq!(d.record.missing_count, 0);
    assert_ne!(d.record.status, Status::Killed);
}

#[test]
fn restarted_agent_leaves_errored() {
    let mut h = H::new();
    h.tick(2, obs(exited(), None, PrObs::NoPr));
    assert_eq!(
        h.tick(3, obs(exited(), None, PrObs::NoPr)).record.status,
        Status::Errored
    );
    assert_eq!(
        h.tick(4, obs(alive(), None, PrObs::NoPr)).record.status,
        Status::Working
    );
}

#[test]
fn runtime_gone_after_merge_is_cleanup_not_an_alarm() {
    let mut h = H::new();
    h.rec.missing_count = 2;
    let merged = PrFacts {
        state: PrState::Merged,
        ..pr()
    };
    let d = h.tick(5, obs(missing(), None, PrObs::Pr(merged)));
    assert_eq!(d.record.status, Status::Killed);
    assert_eq!(
        d.actions,
        vec![Action::Cleanup {
            reason: "merged".into()
        }]
    );
}

#[test]
fn killed_session_inhibits_pr_reactions() {
    let mut h = H::new();
    h.rec.missing_count = 2;
    let d = h.tick(5, obs(missing(), None, PrObs::Pr(failing(pr(), &["test"]))));
    assert_eq!(d.record.status, Status::Killed);
    assert!(sends(&d).is_empty());
    assert!(
        d.record
            .reactions
            .keys()
            .all(|k| k.starts_with("agent-exited:"))
    );
}

// ---- activity -------------------------------------------------------------------------

#[test]
fn fresh_hook_wins_over_transcript_and_goes_stale() {
    let mut h = H::new();
    h.rec.hook = Some(HookSignal {
        event: "Stop".into(),
        activity: Activity::Ready,
        detail: String::new(),
        at: t(1),
    });
    let mut o = obs(alive(), None, PrObs::NoPr);
    o.transcript = Some(ActivityFact {
        state: Activity::Working,
        source: ActivitySource::Transcript,
        evidence: "tool_use".into(),
        resets: None,
        since: t(0),
        observed_at: t(1),
    });
    let d = h.tick(1, o.clone());
    let a = d.record.activity.as_ref().unwrap();
    assert_eq!((a.state, a.source), (Activity::Ready, ActivitySource::Hook));
    // After a message ao delivered, the old Stop no longer speaks for the agent.
    h.sent(2, "x", Ok(Delivery::Delivered));
    let d = h.tick(3, o);
    let a = d.record.activity.as_ref().unwrap();
    assert_eq!(
        (a.state, a.source),
        (Activity::Working, ActivitySource::Transcript)
    );
}

#[test]
fn waiting_hook_is_superseded_by_a_working_screen() {
    let mut h = H::new();
    h.rec.hook = Some(HookSignal {
        event: "Notification".into(),
        activity: Activity::WaitingInput,
        detail: "permission to run `cargo test`".into(),
        at: t(1),
    });
    assert_eq!(
        h.tick(1, obs(alive(), None, PrObs::NoPr)).record.status,
        Status::NeedsInput
    );
    let d = h.tick(2, working(PrObs::NoPr));
    assert_eq!(d.record.status, Status::Working);
}

fn changed_screen(a: Activity, evidence: &str, changed: Timestamp) -> Option<ScreenObs> {
    screen(a, evidence).map(|sc| ScreenObs {
        changed_at: Some(changed.as_second()),
        ..sc
    })
}

#[test]
fn a_stale_transcript_does_not_outrank_a_newer_screen() {
    let mut h = H::new();
    // The transcript ends on the user prompt (working) at t(1); the screen changed to the
    // idle composer at t(2).
    let transcript = ActivityFact {
        state: Activity::Working,
        source: ActivitySource::Transcript,
        evidence: "user prompt".into(),
        resets: None,
        since: t(1),
        observed_at: t(3),
    };
    let mut o = obs(
        alive(),
        changed_screen(Activity::Ready, "? for shortcuts", t(2)),
        PrObs::NoPr,
    );
    o.transcript = Some(transcript.clone());
    let a = h.tick(3, o).record.activity.unwrap();
    assert_eq!(
        (a.state, a.source),
        (Activity::Ready, ActivitySource::Terminal)
    );
    // A transcript entry newer than the screen's last change speaks for the agent.
    let mut o = obs(
        alive(),
        changed_screen(Activity::Ready, "? for shortcuts", t(2)),
        PrObs::NoPr,
    );
    o.transcript = Some(ActivityFact {
        since: t(4),
        ..transcript
    });
    let a = h.tick(4, o).record.activity.unwrap();
    assert_eq!(
        (a.state, a.source),
        (Activity::Working, ActivitySource::Transcript)
    );
}

#[test]
fn a_hook_before_the_prompt_redraw_does_not_keep_aider_working() {
    let mut h = H::new();
    // aider's notify hook ran (and saw no prompt yet) at t(1); `>` was drawn at t(1)+1s.
    h.rec.hook = Some(HookSignal {
        event: "notify".into(),
        activity: Activity::Working,
        detail: String::new(),
        at: t(1),
    });
    let redraw = t(1)
        .checked_add(jiff::SignedDuration::from_secs(1))
        .unwrap();
    let o = obs(
        alive(),
        changed_screen(Activity::Ready, ">", redraw),
        PrObs::NoPr,
    );
    let a = h.tick(1, o).record.activity.unwrap();
    assert_eq!(
        (a.state, a.source),
        (Activity::Ready, ActivitySource::Terminal)
    );
}

#[test]
fn a_retry_loop_becomes_blocked_with_its_cause_after_ten_minutes() {
    let mut h = H::new();
    let retrying = |state: Activity| {
        let sc = screen(
            state,
            "◦ Reconnecting... waiting for network (1m 2s • esc to interrupt)",
        )
        .map(|sc| ScreenObs {
            retrying: true,
            ..sc
        });
        obs(alive(), sc, PrObs::NoPr)
    };
    assert_eq!(
        h.tick(1, retrying(Activity::Working)).record.status,
        Status::Working
    );
    assert_eq!(
        h.tick(10, retrying(Activity::Working)).record.status,
        Status::Working
    );
    let d = h.tick(11, retrying(Activity::Working));
    let a = d.record.activity.as_ref().unwrap();
    assert_eq!(a.state, Activity::Blocked);
    assert!(
        a.evidence
            .starts_with("cannot reach the model API for 10 min: ◦ Reconnecting"),
        "{}",
        a.evidence
    );
    assert_eq!(d.record.status, Status::Stuck);
    let n = notes(&d);
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0].title, "app-1 is blocked");
    assert!(
        n[0].message
            .contains("cannot reach the model API for 10 min"),
        "{}",
        n[0].message
    );
    // The retries used up (the error above the idle composer) keeps it blocked, once.
    assert!(notes(&h.tick(12, retrying(Activity::Ready))).is_empty());
    assert_eq!(h.rec.activity.as_ref().unwrap().state, Activity::Blocked);
    // A screen without the error ends the episode.
    let d = h.tick(13, ready(PrObs::NoPr));
    assert_eq!(d.record.activity.unwrap().state, Activity::Ready);
    assert!(!h.rec.extra.contains_key(super::facts::RETRYING_SINCE_KEY));
}

#[test]
fn an_agent_without_ready_rules_is_ready_after_a_quiet_screen() {
    let mut h = H::new();
    h.s.ready_when_quiet = true;
    let quiet_since = |min: i64| RuntimeObs::Seen {
        exists: true,
        agent_exited: false,
        activity_time: Some(t(min).as_second()),
    };
    // Output one minute ago (threshold 2 min): still working.
    let a = h
        .tick(1, obs(quiet_since(0), None, PrObs::NoPr))
        .record
        .activity
        .unwrap();
    assert_eq!(a.state, Activity::Working);
    let a = h
        .tick(2, obs(quiet_since(0), None, PrObs::NoPr))
        .record
        .activity
        .unwrap();
    assert_eq!(
        (a.state, a.source),
        (Activity::Ready, ActivitySource::Terminal)
    );
    assert_eq!(a.evidence, "no output for 2m (readyThreshold)");
    // Without the setting the same screen stays working.
    let mut h = H::new();
    let a = h
        .tick(5, obs(quiet_since(0), None, PrObs::NoPr))
        .record
        .activity
        .unwrap();
    assert_eq!(a.state, Activity::Working);
}

#[test]
fn an_exit_the_screen_explains_is_errored_at_once() {
    let mut h = H::new();
    let d = h.tick(
        0,
        obs(
            exited(),
            screen(Activity::Exited, "Unable to connect to Anthropic services"),
            PrObs::NoPr,
        ),
    );
    assert_eq!(d.record.status, Status::Errored);
    let n = notes(&d);
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(
        n[0].message
            .contains("Unable to connect to Anthropic services"),
        "{}",
        n[0].message
    );
    // The same words on a live pane are a screen in passing.
    let mut h = H::new();
    let d = h.tick(
        0,
        obs(
            alive(),
            screen(Activity::Exited, "Unable to connect to Anthropic services"),
            PrObs::NoPr,
        ),
    );
    assert_ne!(d.record.status, Status::Errored);
}

// ---- ci-failed ------------------------------------------------------------------------

#[test]
fn ci_failed_sends_specifics_when_ready() {
    let mut h = H::new();
    let d = h.tick(1, ready(PrObs::Pr(failing(pr(), &["test", "lint"]))));
    assert_eq!(d.record.status, Status::CiFailed);
    let s = sends(&d);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].0, CI_KEY);
    assert!(s[0].1.starts_with("CI is failing."));
    assert!(s[0].1.contains("Failing checks on abc1234:\n- test"));
    assert!(s[0].1.contains("lint: assertion failed"));
    let l = &d.record.reactions[CI_KEY];
    assert_eq!((l.attempts, l.last_outcome.as_str()), (1, "sending"));
    assert_eq!(l.fingerprint, "abc1234def:lint,test");
    assert!(kinds(&d).contains(&EventKind::ReactionTriggered));
    let e = d
        .events
        .iter()
        .find(|e| e.kind == EventKind::ReactionTriggered)
        .unwrap();
    assert_eq!(e.data["key"], CI_KEY);
    assert_eq!(e.data["reaction"], "ci-failed");
    assert_eq!(e.data["attempts"], 1);
}

#[test]
fn local_scm_messages_never_mention_gh() {
    let mut h = H::new();
    h.s.local_scm = true;
    let d = h.tick(1, ready(PrObs::Pr(failing(pr(), &["test"]))));
    let s = sends(&d);
    assert!(s[0].1.starts_with("CI is failing"), "{}", s[0].1);
    assert!(!s[0].1.contains("gh "), "{}", s[0].1);
    let mut h = H::new();
    h.s.local_scm = true;
    let mut p = failing(pr(), &[]);
    p.failing_checks.clear();
    let d = h.tick(1, ready(PrObs::Pr(p)));
    let s = sends(&d);
    assert!(!s[0].1.contains("gh pr"), "{}", s[0].1);
    assert!(s[0].1.contains("run the project's checks"), "{}", s[0].1);
    // A configured message is kept as written.
    let mut h = H::with(ReactionKind::CiFailed, |c| c.message = Some("Mine.".into()));
    h.s.local_scm = true;
    let d = h.tick(1, ready(PrObs::Pr(failing(pr(), &["test"]))));
    assert!(sends(&d)[0].1.starts_with("Mine."));
}

#[test]
fn idle_no_pr_states_the_real_threshold() {
    let mut h = H::with(ReactionKind::AgentIdleNoPr, |c| {
        c.threshold = Some(crate::config::Duration::from_secs(20));
    });
    let d = h.tick(1, working(PrObs::NoPr));
    let n = notes(&d);
    assert!(!n[0].message.contains("30min"), "{}", n[0].message);
    assert!(n[0].message.contains("threshold 20s"), "{}", n[0].message);
}

#[test]
fn ci_failed_stays_pending_while_the_agent_works() {
    let mut h = H::new();
    let p = PrObs::Pr(failing(pr(), &["test", "lint"]));
    let d = h.tick(1, working(p.clone()));
    assert!(sends(&d).is_empty());
    assert_eq!(d.record.reactions[CI_KEY].last_outcome, "pending");
    assert!(kinds(&d).contains(&EventKind::ReactionPending));
    let d = h.tick(2, working(p.clone()));
    assert!(
        !kinds(&d).contains(&EventKind::ReactionPending),
        "one pending event"
    );
    let d = h.tick(
        3,
        obs(
            alive(),
            screen(Activity::WaitingInput, "Proceed?"),
            p.clone(),
        ),
    );
    assert!(sends(&d).is_empty(), "never into a dialog");
    let d = h.tick(4, ready(p));
    assert_eq!(sends(&d).len(), 1);
}

/// A send refused by the screen (a dialog appeared between the tick's look and the
/// paste) is not a send: the budget is untouched, the ledger keeps since-when and why,
/// the next tick sends again without waiting for a turn, and after 15 minutes of waiting
/// the human is told once, with the reason.
#[test]
fn refused_sends_stay_pending_and_escalate_once_naming_why() {
    let mut h = H::new();
    let p = PrObs::Pr(failing(pr(), &["test", "lint"]));
    assert_eq!(sends(&h.tick(1, ready(p.clone()))).len(), 1);
    let why = "a dialog is on screen (\"Enter to confirm · Esc to cancel\")";
    let d = h.sent(1, CI_KEY, Ok(Delivery::Refused(why.into())));
    let l = &d.record.reactions[CI_KEY];
    assert_eq!(l.attempts, 0);
    assert_eq!(l.pending_since, Some(t(1)));
    assert_eq!(l.pending_why.as_deref(), Some(why));
    assert!(kinds(&d).contains(&EventKind::ReactionRefused));
    assert!(notes(&d).is_empty());
    // Ready again: sent again at once (no turn needed), still attempt 1.
    let d = h.tick(2, ready(p.clone()));
    assert_eq!(sends(&d).len(), 1);
    assert_eq!(d.record.reactions[CI_KEY].attempts, 1);
    h.sent(2, CI_KEY, Ok(Delivery::Refused(why.into())));
    // Waiting behind the dialog: no escalation before 15 minutes…
    let dialog = || {
        obs(
            alive(),
            screen(Activity::WaitingInput, "Enter to confirm · Esc to cancel"),
            p.clone(),
        )
    };
    for m in 3..16 {
        assert!(
            !kinds(&h.tick(m, dialog())).contains(&EventKind::ReactionEscalated),
            "minute {m}"
        );
    }
    // …then exactly once.
    let mut told = Vec::new();
    for m in 16..40 {
        let d = h.tick(m, dialog());
        told.extend(
            notes(&d)
                .into_iter()
                .filter(|n| n.key.ends_with(":escalated"))
                .cloned(),
        );
    }
    assert_eq!(told.len(), 1, "{told:#?}");
    assert!(
        told[0].message.contains("waited 15m undelivered"),
        "{}",
        told[0].message
    );
    assert!(
        told[0].message.contains("waiting_input"),
        "{}",
        told[0].message
    );
}

/// A message typed but never taken is sent again (the budget untouched) and after
/// three such sends in a row the human is told why.
#[test]
fn undelivered_sends_are_retried_then_reported() {
    let mut h = H::new();
    let p = PrObs::Pr(failing(pr(), &["test", "lint"]));
    let why = "the agent never took it: its transcript does not show the message";
    for m in 1..=3 {
        let d = h.tick(m, ready(p.clone()));
        assert_eq!(sends(&d).len(), 1, "minute {m}");
        let d = h.sent(m, CI_KEY, Ok(Delivery::Undelivered(why.into())));
        assert_eq!(d.record.reactions[CI_KEY].attempts, 0);
        if m < 3 {
            assert!(notes(&d).is_empty());
        } else {
            let n = notes(&d);
            assert_eq!(n.len(), 1);
            assert!(
                n[0].message.contains("never took the message (3 tries)"),
                "{}",
                n[0].message
            );
        }
    }
    assert!(sends(&h.tick(4, ready(p))).is_empty());
}

/// A message submitted but never confirmed, after which the agent shows no turn (a
/// silent agent): after 15 minutes the human is told once that it may never have been
/// taken.
#[test]
fn an_unconfirmed_send_without_a_turn_escalates_once() {
    let mut h = H::new();
    let p = PrObs::Pr(failing(pr(), &["test", "lint"]));
    assert_eq!(sends(&h.tick(1, ready(p.clone()))).len(), 1);
    h.sent(1, CI_KEY, Ok(Delivery::Unconfirmed));
    let mut told = Vec::new();
    for m in 2..40 {
        let d = h.tick(m, ready(p.clone()));
        assert!(sends(&d).is_empty(), "minute {m}: no resend without a turn");
        let escalations: Vec<Notification> = notes(&d)
            .into_iter()
            .filter(|n| n.key.ends_with(":escalated"))
            .cloned()
            .collect();
        if m < 16 {
            assert!(escalations.is_empty(), "minute {m}");
        }
        told.extend(escalations);
    }
    assert_eq!(told.len(), 1, "{told:#?}");
    assert!(
        told[0].message.contains("never confirmed"),
        "{}",
        told[0].message
    );
}

/// Delivered clears the pending state.
#[test]
fn a_delivered_send_clears_pending() {
    let mut h = H::new();
    let p = PrObs::Pr(failing(pr(), &["test", "lint"]));
    h.tick(1, working(p.clone()));
    assert_eq!(h.rec.reactions[CI_KEY].pending_since, Some(t(1)));
    assert_eq!(sends(&h.tick(2, ready(p))).len(), 1);
    let d = h.sent(2, CI_KEY, Ok(Delivery::Delivered));
    let l = &d.record.reactions[CI_KEY];
    assert_eq!((l.pending_since, l.pending_why.as_deref()), (None, None));
    assert_eq!(l.attempts, 1);
}

#[test]
fn ci_failed_escalates_after_two_attempts_with_specifics() {
    let mut h = H::new();
    let p = PrObs::Pr(failing(pr(), &["test", "lint"]));
    assert_eq!(sends(&h.tick(1, ready(p.clone()))).len(), 1);
    h.sent(1, CI_KEY, Ok(Delivery::Delivered));
    // Still mid-turn: nothing.
    assert!(h.tick(2, working(p.clone())).actions.is_empty());
    // Turn over, still failing on the same head: second send.
    let d = h.tick(3, ready(p.clone()));
    assert_eq!(sends(&d).len(), 1);
    assert_eq!(d.record.reactions[CI_KEY].attempts, 2);
    h.sent(3, CI_KEY, Ok(Delivery::Delivered));
    // Ready without having taken a turn is impossible after mark_busy; the next ready is a turn.
    let d = h.tick(5, ready(p.clone()));
    assert!(sends(&d).is_empty());
    let n = notes(&d);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].title, "app-1 couldn't fix CI");
    assert_eq!(n[0].key, format!("app-1:{CI_KEY}:escalated"));
    assert_eq!(n[0].priority, Priority::Warning);
    assert!(
        n[0].message.starts_with(
            "Sent the CI failure 2 times (checks: lint, test); still failing on abc1234."
        ),
        "{}",
        n[0].message
    );
    assert!(d.record.reactions[CI_KEY].escalated);
    assert!(kinds(&d).contains(&EventKind::ReactionEscalated));
    // Never again for this key.
    let d = h.tick(7, ready(p));
    assert!(d.actions.is_empty());
}

#[test]
fn no_resend_without_a_turn() {
    let mut h = H::new();
    let p = PrObs::Pr(failing(pr(), &["test"]));
    h.tick(1, ready(p.clone()));
    h.sent(1, "ci-failed:abc1234def:test", Ok(Delivery::Unconfirmed));
    // Unconfirmed: the agent still looks ready since t(1); no turn seen, no resend.
    for m in 2..8 {
        assert!(sends(&h.tick(m, ready(p.clone()))).is_empty(), "tick {m}");
    }
}

#[test]
fn retries_bound_the_sends() {
    let mut h = H::with(ReactionKind::CiFailed, |c| {
        c.retries = Some(0);
        c.escalate_after = None;
    });
    let p = PrObs::Pr(failing(pr(), &["test"]));
    assert_eq!(sends(&h.tick(1, ready(p.clone()))).len(), 1);
    h.sent(1, "ci-failed:abc1234def:test", Ok(Delivery::Delivered));
    h.tick(2, working(p.clone()));
    let d = h.tick(3, ready(p));
    assert!(sends(&d).is_empty());
    assert_eq!(notes(&d)[0].title, "app-1 couldn't fix CI");
}

#[test]
fn new_fingerprint_gets_a_fresh_budget() {
    let mut h = H::new();
    h.tick(1, ready(PrObs::Pr(failing(pr(), &["test"]))));
    let new_head = PrFacts {
        head_sha: "fff0000".into(),
        ..failing(pr(), &["test"])
    };
    h.sent(1, "ci-failed:abc1234def:test", Ok(Delivery::Delivered));
    let d = h.tick(3, ready(PrObs::Pr(new_head)));
    let s = sends(&d);
    assert_eq!(s[0].0, "ci-failed:fff0000:test");
    assert_eq!(d.record.reactions["ci-failed:fff0000:test"].attempts, 1);
}

#[test]
fn flapping_keeps_the_budget_and_two_clean_ticks_resolve() {
    // #1409: stale data flapping failing → passing → failing must not reset the budget.
    let mut h = H::new();
    let bad = PrObs::Pr(failing(pr(), &["test", "lint"]));
    let good = PrObs::Pr(PrFacts {
        ci: CiState::Passing,
        ..pr()
    });
    h.tick(1, ready(bad.clone()));
    h.sent(1, CI_KEY, Ok(Delivery::Delivered));
    h.tick(2, working(good.clone()));
    assert_eq!(h.rec.reactions[CI_KEY].resolved_ticks, 1);
    h.tick(3, working(bad.clone()));
    let l = &h.rec.reactions[CI_KEY];
    assert_eq!((l.attempts, l.resolved_ticks), (1, 0));
    h.tick(4, working(good.clone()));
    let d = h.tick(5, working(good));
    assert!(!d.record.reactions.contains_key(CI_KEY));
    assert!(kinds(&d).contains(&EventKind::ReactionResolved));
}

#[test]
fn unknown_pr_state_neither_fires_nor_resolves() {
    let mut h = H::new();
    h.tick(1, working(PrObs::Pr(failing(pr(), &["test", "lint"]))));
    for (m, p) in [
        (2, PrObs::NotChecked),
        (3, PrObs::Failed("502".into())),
        (4, PrObs::NotChecked),
    ] {
        let d = h.tick(m, ready(p));
        assert!(sends(&d).is_empty(), "no send on stale data");
        assert_eq!(d.record.reactions[CI_KEY].resolved_ticks, 0);
        assert_eq!(d.record.status, Status::CiFailed, "last facts kept");
    }
}

#[test]
fn failed_send_always_escalates() {
    // #614: a failed reaction never suppresses the human notification.
    let mut h = H::new();
    h.tick(1, ready(PrObs::Pr(failing(pr(), &["test", "lint"]))));
    let d = h.sent(1, CI_KEY, Err("tmux: can't find pane".into()));
    let l = &d.record.reactions[CI_KEY];
    assert_eq!(l.last_outcome, "failed: tmux: can't find pane");
    assert!(l.escalated);
    let n = notes(&d);
    assert_eq!(n.len(), 1);
    assert_eq!(
        n[0].title,
        "app-1: couldn't send the CI failure to the agent"
    );
    assert!(n[0].message.contains("tmux: can't find pane"));
    assert_eq!(
        kinds(&d),
        [EventKind::ReactionFailed, EventKind::ReactionEscalated]
    );
}

#[test]
fn delivered_and_unconfirmed_are_recorded() {
    let mut h = H::new();
    h.tick(1, ready(PrObs::Pr(failing(pr(), &["test", "lint"]))));
    let d = h.sent(1, CI_KEY, Ok(Delivery::Unconfirmed));
    assert_eq!(d.record.reactions[CI_KEY].last_outcome, "unconfirmed");
    assert_eq!(kinds(&d), [EventKind::ReactionUnconfirmed]);
    let d = h.sent(1, CI_KEY, Ok(Delivery::Delivered));
    assert_eq!(d.record.reactions[CI_KEY].last_outcome, "delivered");
    assert_eq!(d.record.activity.as_ref().unwrap().state, Activity::Working);
}

#[test]
fn auto_false_notifies_the_human_instead() {
    let mut h = H::with(ReactionKind::CiFailed, |c| c.auto = Some(false));
    let d = h.tick(1, ready(PrObs::Pr(failing(pr(), &["test"]))));
    assert!(sends(&d).is_empty());
    let n = notes(&d);
    assert_eq!(n[0].title, "app-1: CI failing on abc1234");
    assert_eq!(n[0].key, "app-1:ci-failed:abc1234def:test");
    assert!(n[0].message.contains("Automatic handling is off"));
    assert!(
        h.tick(2, ready(PrObs::Pr(failing(pr(), &["test"]))))
            .actions
            .is_empty()
    );
}

// ---- changes-requested, bugbot, conflicts ---------------------------------------------

#[test]
fn review_comments_are_fenced_and_escalate_after_duration() {
    let mut h = H::new();
    let p = PrObs::Pr(PrFacts {
        review: ReviewDecision::ChangesRequested,
        comments: vec![comment("c2", "use ``` here"), comment("c1", "rename")],
        ..pr()
    });
    let d = h.tick(1, ready(p.clone()));
    let s = sends(&d);
    assert_eq!(s[0].0, "changes-requested:c1,c2");
    assert!(s[0].1.contains("untrusted review text"));
    assert!(s[0].1.contains("src/lib.rs:12 (by alice)"));
    assert!(
        s[0].1
            .contains("````untrusted-review-text\nuse ``` here\n````")
    );
    h.sent(1, "changes-requested:c1,c2", Ok(Delivery::Delivered));
    // Working on it for a long time: the 30m escalation comes regardless.
    assert!(h.tick(30, working(p.clone())).actions.is_empty());
    let d = h.tick(31, working(p));
    let n = notes(&d);
    assert_eq!(n[0].title, "app-1 couldn't address the review");
    assert!(
        n[0].message
            .starts_with("Sent the review comments 1 time (2 review comments); still unresolved on PR #42 after 30m."),
        "{}",
        n[0].message
    );
}

/// After the agent pushed on the review, the same unresolved comments are not re-sent
/// (they stay "changes requested" until the reviewer looks again); without a push they
/// are, up to the cap. The duration escalation still comes.
#[test]
fn review_comments_are_not_resent_after_the_agent_pushed() {
    let review = |sha: &str| {
        PrObs::Pr(PrFacts {
            head_sha: sha.into(),
            review: ReviewDecision::ChangesRequested,
            comments: vec![comment("c1", "rename")],
            ..pr()
        })
    };
    let key = "changes-requested:c1";
    let mut h = H::new();
    assert_eq!(sends(&h.tick(1, ready(review("abc1234def")))).len(), 1);
    h.sent(1, key, Ok(Delivery::Delivered));
    h.tick(2, working(review("abc1234def")));
    // Pushed a fix: ready again on a new head, the review not yet redone.
    for m in 3..29 {
        let d = h.tick(m, ready(review("fff0000aaa")));
        assert!(sends(&d).is_empty(), "tick {m}: {d:?}");
    }
    let d = h.tick(31, ready(review("fff0000aaa")));
    assert!(
        notes(&d)
            .iter()
            .any(|n| n.title == "app-1 couldn't address the review")
    );

    // No push: the agent finished its turn on the old head, so the comments go again.
    let mut h = H::new();
    h.tick(1, ready(review("abc1234def")));
    h.sent(1, key, Ok(Delivery::Delivered));
    h.tick(2, working(review("abc1234def")));
    assert_eq!(sends(&h.tick(3, ready(review("abc1234def")))).len(), 1);
}

#[test]
fn changes_requested_without_comments_is_keyed_by_head() {
    let p = PrObs::Pr(PrFacts {
        review: ReviewDecision::ChangesRequested,
        ..pr()
    });
    let d = H::new().tick(1, working(p));
    assert!(
        d.record
            .reactions
            .contains_key("changes-requested:abc1234def")
    );
}

#[test]
fn never_ready_escalates_by_duration_saying_nothing_was_sent() {
    let mut h = H::new();
    let p = PrObs::Pr(PrFacts {
        mergeable: Mergeability::Conflicting,
        conflict_files: vec!["src/a.rs".into()],
        ..pr()
    });
    h.tick(1, working(p.clone()));
    let d = h.tick(16, working(p));
    let n = notes(&d);
    assert_eq!(n[0].title, "app-1 couldn't resolve merge conflicts");
    assert!(
        n[0].message.starts_with("Never sent the merge conflict"),
        "{}",
        n[0].message
    );
}

#[test]
fn conflicts_and_bot_comments_carry_their_specifics_one_message_per_tick() {
    let mut bot = comment("b1", "possible null deref");
    bot.bot = true;
    let p = PrObs::Pr(PrFacts {
        mergeable: Mergeability::Conflicting,
        conflict_files: vec!["src/a.rs".into(), "src/b.rs".into()],
        bot_comments: vec![bot],
        ..pr()
    });
    let mut h = H::new();
    let d = h.tick(1, ready(p.clone()));
    let s = sends(&d);
    assert_eq!(s.len(), 1, "one message per tick");
    assert_eq!(s[0].0, "bugbot-comments:b1");
    assert!(s[0].1.contains("possible null deref"));
    let conflicts = "merge-conflicts:abc1234def:base999";
    assert_eq!(d.record.reactions[conflicts].last_outcome, "pending");
    h.sent(1, "bugbot-comments:b1", Ok(Delivery::Delivered));
    let d = h.tick(2, ready(p));
    let s = sends(&d);
    assert_eq!(s[0].0, conflicts);
    assert!(s[0].1.contains("- src/a.rs\n- src/b.rs"));
}

#[test]
fn excerpts_are_bounded() {
    let mut p = failing(pr(), &["a", "b", "c", "d", "e"]);
    for c in &mut p.failing_checks {
        c.excerpt = "x".repeat(5000);
    }
    let d = H::new().tick(1, ready(PrObs::Pr(p)));
    let msg = sends(&d)[0].1;
    let xs: usize = msg
        .lines()
        .filter(|l| l.chars().all(|c| c == 'x'))
        .map(str::len)
        .sum();
    assert_eq!(xs, 6000, "1500 each, 6000 total");
    assert!(msg.contains("[… truncated]"));
}

// ---- approved-and-green ---------------------------------------------------------------

fn green() -> PrObs {
    PrObs::Pr(PrFacts {
        ci: CiState::Passing,
        review: ReviewDecision::Approved,
        ..pr()
    })
}

#[test]
fn approved_and_green_notifies_by_default() {
    let mut h = H::new();
    let d = h.tick(1, working(green()));
    assert_eq!(d.record.status, Status::Mergeable);
    let n = notes(&d);
    assert_eq!(n[0].title, "app-1: PR #42 ready to merge");
    assert_eq!(n[0].priority, Priority::Action);
    assert_eq!(
        n[0].pr_url.as_deref(),
        Some("https://github.com/o/r/pull/42")
    );
    assert_eq!(n[0].attach.as_deref(), Some("ao open app-1"));
    assert_eq!(
        n[0].dashboard_url.as_deref(),
        Some("file:///tmp/dashboard.html#app-1")
    );
    assert_eq!(
        n[0].version,
        crate::plugins::notifier::NOTIFICATION_SCHEMA_VERSION
    );
    assert_eq!(n[0].session.as_deref(), Some("app-1"));
    assert!(
        n[0].message
            .contains("Merge it: https://github.com/o/r/pull/42")
    );
    assert!(h.tick(2, working(green())).actions.is_empty());
}

#[test]
fn mergeable_pr_is_announced_even_while_the_agent_asks() {
    let d = H::new().tick(
        1,
        obs(alive(), screen(Activity::WaitingInput, "Proceed?"), green()),
    );
    assert_eq!(d.record.status, Status::NeedsInput);
    let titles: Vec<&str> = notes(&d).iter().map(|n| n.title.as_str()).collect();
    assert!(
        titles.contains(&"app-1: PR #42 ready to merge"),
        "{titles:?}"
    );
}

#[test]
fn auto_true_merges_pinned_to_head() {
    let sets: [fn(&mut ReactionConfig); 2] = [
        |c| c.auto = Some(true),
        |c| c.action = Some(ReactionAction::AutoMerge),
    ];
    for set in sets {
        let mut h = H::with(ReactionKind::ApprovedAndGreen, set);
        let d = h.tick(1, working(green()));
        assert_eq!(
            d.actions,
            vec![Action::Merge {
                key: "approved-and-green:abc1234def".into(),
                sha: "abc1234def".into(),
                method: "squash".into()
            }]
        );
        let key = "approved-and-green:abc1234def";
        h.merged(1, key, Ok(MergeOutcome::Merged("m1".into())));
        assert!(h.tick(2, working(green())).actions.is_empty(), "merge once");
    }
}

#[test]
fn merge_outcomes() {
    let key = "approved-and-green:abc1234def";
    let auto = |c: &mut ReactionConfig| {
        c.auto = Some(true);
        c.merge_method = Some("rebase".into());
    };
    let mut h = H::with(ReactionKind::ApprovedAndGreen, auto);
    h.tick(1, working(green()));
    let d = h.merged(1, key, Ok(MergeOutcome::Merged("m123".into())));
    assert_eq!(kinds(&d), [EventKind::MergeDone]);
    assert_eq!(d.record.reactions[key].last_outcome, "merged");

    let mut h = H::with(ReactionKind::ApprovedAndGreen, auto);
    h.tick(1, working(green()));
    let d = h.merged(1, key, Ok(MergeOutcome::HeadMoved));
    assert_eq!(kinds(&d), [EventKind::MergeHeadMoved]);
    assert!(!d.record.reactions.contains_key(key));
    // Re-evaluated on fresh data next tick.
    let d = h.tick(2, working(green()));
    assert!(matches!(&d.actions[0], Action::Merge { method, .. } if method == "rebase"));

    for r in [
        Ok(MergeOutcome::Refused("branch protection".into())),
        Err("HTTP 500".into()),
    ] {
        let mut h = H::with(ReactionKind::ApprovedAndGreen, auto);
        h.tick(1, working(green()));
        let d = h.merged(1, key, r);
        let n = notes(&d);
        assert_eq!(n[0].title, "app-1: auto-merge of PR #42 failed");
        assert_eq!(n[0].priority, Priority::Action);
        assert!(d.record.reactions[key].escalated);
    }
}

#[test]
fn an_interrupted_merge_is_retried_once_then_handed_over() {
    let auto = |c: &mut ReactionConfig| c.auto = Some(true);
    let merges = |d: &Decision| {
        d.actions
            .iter()
            .filter(|a| matches!(a, Action::Merge { .. }))
            .count()
    };
    let mut h = H::with(ReactionKind::ApprovedAndGreen, auto);
    // Each tick dies after persisting the intent: no result is ever recorded.
    assert_eq!(merges(&h.tick(1, working(green()))), 1);
    let d = h.tick(2, working(green()));
    assert_eq!(merges(&d), 1, "one retry of the pinned merge");
    let d = h.tick(3, working(green()));
    assert_eq!(merges(&d), 0);
    let n = notes(&d);
    assert_eq!(n[0].title, "app-1: auto-merge of PR #42 failed");
    assert!(n[0].message.contains("stopped twice"), "{}", n[0].message);
    assert!(
        merges(&h.tick(4, working(green()))) == 0 && notes(&h.tick(5, working(green()))).is_empty()
    );

    // A recorded result is final: no retry.
    let mut h = H::with(ReactionKind::ApprovedAndGreen, auto);
    h.tick(1, working(green()));
    h.merged(
        1,
        "approved-and-green:abc1234def",
        Ok(MergeOutcome::Refused("no".into())),
    );
    assert_eq!(merges(&h.tick(2, working(green()))), 0);
}

// ---- notify-only reactions ------------------------------------------------------------

#[test]
fn needs_input_flap_does_not_renotify_but_a_new_episode_does() {
    let mut h = H::new();
    let ask = || {
        obs(
            alive(),
            screen(Activity::WaitingInput, "Do you want to proceed?"),
            PrObs::NoPr,
        )
    };
    assert_eq!(notes(&h.tick(1, ask())).len(), 1);
    assert!(notes(&h.tick(2, ask())).is_empty());
    h.tick(3, working(PrObs::NoPr));
    assert!(notes(&h.tick(4, ask())).is_empty(), "one-tick flap");
    h.tick(5, working(PrObs::NoPr));
    h.tick(6, working(PrObs::NoPr));
    let d = h.tick(7, ask());
    let n = notes(&d);
    assert_eq!(n.len(), 1, "new episode");
    assert!(
        n[0].key
            .starts_with(&format!("app-1:agent-needs-input:{}:", t(7).as_second())),
        "{}",
        n[0].key
    );
}

#[test]
fn a_question_the_hook_already_notified_is_not_notified_again() {
    let h = H::new();
    let hook_note = crate::plugins::notifier::Notification {
        key: "app-1:agent-needs-input:hook:Notification:abc".into(),
        ..notes(&h.clone_tick(1))[0].clone()
    };
    let mut h = H::new();
    enqueue(&mut h.rec, &[hook_note], t(1));
    let ask = obs(
        alive(),
        screen(Activity::WaitingInput, "Do you want to proceed?"),
        PrObs::NoPr,
    );
    let d = h.tick(1, ask);
    assert_eq!(d.record.status, Status::NeedsInput);
    assert!(notes(&d).is_empty(), "{:?}", notes(&d));
}

#[test]
fn each_new_question_notifies_once() {
    let mut h = H::new();
    let ask = |q: &str| obs(alive(), screen(Activity::WaitingInput, q), PrObs::NoPr);
    let trust = "trust dialog: Quick safety check: Is this a project you created or one you trust?";
    let key = "Do you want to use this API key?";
    assert_eq!(notes(&h.tick(1, ask(trust))).len(), 1);
    assert!(notes(&h.tick(2, ask(trust))).is_empty());
    // The trust dialog answered, the API-key question next: a new question.
    let d = h.tick(3, ask(key));
    let n = notes(&d);
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(n[0].message.contains(key), "{}", n[0].message);
    assert!(notes(&h.tick(4, ask(key))).is_empty());
    assert!(notes(&h.tick(5, ask(key))).is_empty());
}

#[test]
fn idle_no_pr_notifies_once() {
    let mut h = H::new();
    assert!(notes(&h.tick(29, working(PrObs::NoPr))).is_empty());
    let d = h.tick(30, working(PrObs::NoPr));
    let n = notes(&d);
    assert_eq!(n[0].title, "app-1 has no PR yet");
    assert_eq!(n[0].priority, Priority::Warning);
    assert_eq!(n[0].key, "app-1:agent-idle-no-pr");
    assert!(notes(&h.tick(31, working(PrObs::NoPr))).is_empty());
    // Unknown PR state: not evaluated.
    let mut h = H::new();
    assert!(notes(&h.tick(40, working(PrObs::NotChecked))).is_empty());
}

// ---- notification ledger --------------------------------------------------------------

fn routes(p: Priority) -> Vec<String> {
    match p {
        Priority::Urgent => vec!["desktop".into(), "slack".into()],
        _ => vec!["slack".into()],
    }
}

#[test]
fn deliveries_are_deduped_and_retried_with_backoff() {
    let mut h = H::new();
    let d = h.tick(
        1,
        obs(
            alive(),
            screen(Activity::WaitingInput, "Proceed?"),
            PrObs::NoPr,
        ),
    );
    let n: Vec<Notification> = notes(&d).into_iter().cloned().collect();
    let key = n[0].key.clone();
    let mut rec = d.record;
    let plan = plan_deliveries(&mut rec, &n, &routes, t(1));
    assert_eq!(
        plan,
        vec![NotifyPlan {
            key: key.clone(),
            due: vec!["desktop".into(), "slack".into()]
        }]
    );
    record_delivery(&mut rec, &key, "desktop", Ok(()), t(1));
    record_delivery(&mut rec, &key, "slack", Err("HTTP 503".into()), t(1));
    // Re-adding the same key changes nothing; slack backs off for 30s.
    assert!(plan_deliveries(&mut rec, &n, &routes, t(1)).is_empty());
    assert_eq!(rec.notifications.len(), 1);
    let plan = plan_deliveries(&mut rec, &[], &routes, t(2));
    assert_eq!(plan[0].due, vec!["slack".to_owned()]);
    record_delivery(&mut rec, &key, "slack", Err("HTTP 503".into()), t(2));
    let f = &rec.notifications[&key].failures["slack"];
    assert_eq!((f.attempts, f.error.as_str()), (2, "HTTP 503"));
    assert_eq!(f.retry_after, t(3));
    record_delivery(&mut rec, &key, "slack", Ok(()), t(3));
    assert!(rec.notifications[&key].failures.is_empty());
    assert!(plan_deliveries(&mut rec, &n, &routes, t(60)).is_empty());
}

// ---- all-complete ---------------------------------------------------------------------

fn finished(id: &str, status: Status, pr_state: Option<PrState>) -> SessionRecord {
    SessionRecord {
        id: SessionId::parse(id).unwrap(),
        status,
        pr: pr_state.map(|state| PrFacts { state, ..pr() }),
        batch: Some("b1".into()),
        ..record()
    }
}

#[test]
fn all_complete_summarizes_once_everything_is_final() {
    let s = settings();
    let a = finished("app-1", Status::Merged, Some(PrState::Merged));
    let b = finished("app-2", Status::Cleanup, Some(PrState::Merged));
    let c = finished("app-3", Status::Killed, None);
    let busy = finished("app-4", Status::Working, None);
    assert!(all_complete("b1", &[&a, &busy], &s, t(9)).is_none());
    assert!(all_complete("b1", &[], &s, t(9)).is_none());
    let (sum, n) = all_complete("b1", &[&a, &b, &c], &s, t(9)).unwrap();
    assert_eq!(sum.merged, ["app-1", "app-2"]);
    assert_eq!(sum.failed, ["app-3"]);
    assert_eq!(n.key, "batch:b1:all-complete");
    assert_eq!(n.priority, Priority::Info);
    assert_eq!(n.title, "Batch b1: all 3 sessions done");
    assert_eq!(
        n.message, "2 merged, 1 failed (app-3).",
        "no repeat of the title"
    );
    let open = finished("app-5", Status::Killed, Some(PrState::Open));
    let (sum, n) = all_complete("b1", &[&a, &open], &s, t(9)).unwrap();
    assert_eq!(sum.pending_review, ["app-5"]);
    assert!(n.message.contains("1 awaiting review (app-5)"));

    let mut quiet = settings();
    quiet
        .reactions
        .get_mut(&ReactionKind::AllComplete)
        .unwrap()
        .include_summary = Some(false);
    let (_, n) = all_complete("b1", &[&a], &quiet, t(9)).unwrap();
    assert_eq!(n.message, "All sessions complete");
}

#[test]
fn all_complete_sums_the_cost_of_the_sessions_that_report_one() {
    let cost = |tokens: u64, usd: f64| {
        Some(crate::model::CostEstimate {
            input_tokens: tokens,
            output_tokens: tokens,
            usd,
            ..Default::default()
        })
    };
    let a = SessionRecord {
        cost: cost(1_000, 0.25),
        ..finished("app-1", Status::Merged, Some(PrState::Merged))
    };
    let b = SessionRecord {
        cost: cost(50_000, 1.5),
        ..finished("app-2", Status::Killed, None)
    };
    let c = finished("app-3", Status::Killed, None);
    let (sum, n) = all_complete("b1", &[&a, &b, &c], &settings(), t(9)).unwrap();
    assert_eq!(sum.cost.as_ref().unwrap().total_tokens(), 102_000);
    assert_eq!(
        n.message,
        "1 merged, 2 failed (app-2, app-3). Estimated cost: 102.0k tokens ~$1.75."
    );
    let (sum, n) = all_complete("b1", &[&c], &settings(), t(9)).unwrap();
    assert!(sum.cost.is_none());
    assert!(!n.message.contains("cost"), "{}", n.message);
}

#[test]
fn escalate_after_attempts_zero_notifies_without_sending() {
    let mut h = H::with(ReactionKind::CiFailed, |c| {
        c.escalate_after = Some(EscalateAfter::Attempts(0));
    });
    let d = h.tick(1, ready(PrObs::Pr(failing(pr(), &["test"]))));
    assert!(sends(&d).is_empty());
    assert!(
        notes(&d)[0]
            .message
            .starts_with("Never sent the CI failure")
    );
}

/// Regression: a duration-only `escalate-after` (changes-requested's default) must not let
/// a key be re-sent on every finished turn; the implicit cap stops sends, and escalation
/// waits for the duration.
#[test]
fn duration_escalation_still_caps_sends() {
    let cfg = crate::config::ReactionKind::ChangesRequested.builtin();
    assert!(cfg.retries.is_none());
    assert_eq!(super::reactions::max_sends_for_test(&cfg), 3);
}

/// Checklist H6: the clock jumps back an hour, or forward a day, between ticks. A backward
/// jump suppresses nothing for good (the escalation comes once the clock passes its
/// deadline again); a forward jump brings at most one escalation per key, no burst of
/// sends, and quiet ticks after it.
#[test]
fn clock_jumps_neither_burst_nor_suppress() {
    let p = PrObs::Pr(PrFacts {
        review: ReviewDecision::ChangesRequested,
        comments: vec![comment("c1", "rename")],
        ..pr()
    });
    let key = "changes-requested:c1";

    // Backward by an hour right after the send.
    let mut h = H::new();
    assert_eq!(sends(&h.tick(1, ready(p.clone()))).len(), 1);
    h.sent(1, key, Ok(Delivery::Delivered));
    let d = h.tick(-59, working(p.clone()));
    assert!(sends(&d).is_empty() && notes(&d).is_empty(), "{d:?}");
    assert!(h.tick(20, working(p.clone())).actions.is_empty());
    let d = h.tick(31, working(p.clone()));
    assert_eq!(notes(&d).len(), 1, "the escalation still comes");
    assert!(h.tick(32, working(p.clone())).actions.is_empty());

    // Forward by a day right after the send.
    let mut h = H::new();
    assert_eq!(sends(&h.tick(1, ready(p.clone()))).len(), 1);
    h.sent(1, key, Ok(Delivery::Delivered));
    let d = h.tick(1 + 24 * 60, ready(p.clone()));
    assert!(sends(&d).len() <= 1, "{d:?}");
    assert!(notes(&d).len() <= 1, "{d:?}");
    let mut total_sends = sends(&d).len();
    let mut total_notes = notes(&d)
        .iter()
        .filter(|n| n.title.contains("couldn't address the review"))
        .count();
    for m in 1..=10 {
        let d = h.tick(1 + 24 * 60 + m, ready(p.clone()));
        for (k, _) in sends(&d) {
            h.sent(1 + 24 * 60 + m, k, Ok(Delivery::Delivered));
        }
        total_sends += sends(&d).len();
        // (An idle agent is reported stuck after 10 minutes: a different reaction.)
        total_notes += notes(&d)
            .iter()
            .filter(|n| n.title.contains("couldn't address the review"))
            .count();
    }
    assert!(
        total_sends <= 2,
        "at most the capped resends: {total_sends}"
    );
    assert_eq!(total_notes, 1, "exactly one escalation after the jump");
}

/// An unreachable host: the runtime fact is `unreachable` with the error, the status and
/// the missing count stay, no reaction runs (even with CI failing), one warning after
/// `unreachable_after`, never again in the same outage; reachable again clears it.
#[test]
fn unreachable_host_waits_and_warns_once() {
    let s = settings();
    let mut r = record();
    r.status = crate::model::Status::Working;
    let d = decide(&r, &obs(alive(), None, PrObs::NoPr), &s, t(1));
    r = d.record;
    let down = || {
        obs(
            RuntimeObs::Unreachable("host h1 unreachable: Connection refused".into()),
            None,
            PrObs::Pr(failing(pr(), &["test"])),
        )
    };
    let mut warnings = 0;
    for min in [2, 5, 11, 12, 30] {
        let d = decide(&r, &down(), &s, t(min));
        assert_eq!(d.record.status, crate::model::Status::Working);
        assert_eq!(d.record.missing_count, 0);
        assert_eq!(
            d.record.runtime_state,
            Some(crate::model::RuntimeState::Unreachable)
        );
        assert!(
            d.record.pr.is_none(),
            "PR facts untouched while unreachable"
        );
        for a in &d.actions {
            match a {
                Action::Notify(n) => {
                    assert!(n.title.contains("unreachable"), "{}", n.title);
                    assert!(n.message.contains("Connection refused"));
                    assert!(min >= 12, "warned before the bound at {min}");
                    warnings += 1;
                }
                other => panic!("no reaction while unreachable: {other:?}"),
            }
        }
        r = d.record;
    }
    assert_eq!(warnings, 1);
    let d = decide(&r, &obs(alive(), None, PrObs::NoPr), &s, t(31));
    assert_eq!(
        d.record.runtime_state,
        Some(crate::model::RuntimeState::Alive)
    );
    assert!(!d.record.extra.contains_key(UNREACHABLE_KEY));
    assert!(
        d.events
            .iter()
            .any(|e| e.kind == EventKind::SessionReachable)
    );
}
