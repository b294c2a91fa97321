//! Property tests: random sequences of observations, action outcomes and time steps,
//! driven through `decide` / `on_send_result` / `on_merge_result` / `plan_deliveries` /
//! `record_delivery` the way the tick does, checking the idempotency invariants:
//! (a) no notification key is delivered twice to the same notifier; (b) per reaction key,
//! sends ≤ the budget (`retries + 1` when set); (c) after a failed send the human is
//! notified; (d) `killed` only after ≥ `missing_after` consecutive missing observations.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::tests::{alive, failing, obs, pr, record, settings, t};
use super::*;
use crate::config::{EscalateAfter, ReactionAction};
use crate::model::Delivery;
use crate::model::{
    CiState, Mergeability, PrState, Priority, ReviewComment, ReviewDecision, Status,
};
use crate::plugins::scm::MergeOutcome;

/// One tick of the simulated world.
#[derive(Debug, Clone)]
struct Step {
    /// Seconds since the previous tick.
    dt: i64,
    runtime: u8,
    screen: u8,
    pr: u8,
    send: u8,
    merge: u8,
    /// Outcome per delivery attempt, cycled.
    deliveries: Vec<bool>,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0i64..900,
        0u8..6,
        0u8..5,
        0u8..11,
        0u8..3,
        0u8..4,
        prop::collection::vec(any::<bool>(), 1..4),
    )
        .prop_map(|(dt, runtime, screen, pr, send, merge, deliveries)| Step {
            dt,
            runtime,
            screen,
            pr,
            send,
            merge,
            deliveries,
        })
}

/// Send-to-agent settings under test: (retries, escalate-after, auto-merge).
fn policy() -> impl Strategy<Value = (Option<u32>, Option<EscalateAfter>, bool)> {
    let esc = prop_oneof![
        Just(None),
        (0u32..4).prop_map(|n| Some(EscalateAfter::Attempts(n))),
        (60i64..3600).prop_map(|s| Some(EscalateAfter::After(Duration::from_secs(s)))),
    ];
    (prop::option::of(0u32..4), esc, any::<bool>())
}

fn runtime(n: u8) -> RuntimeObs {
    let seen = |exists, agent_exited| RuntimeObs::Seen {
        exists,
        agent_exited,
        activity_time: None,
    };
    match n {
        0 => RuntimeObs::NotProbed,
        1 => RuntimeObs::ProbeFailed("tmux: no server".into()),
        2 | 3 => alive(),
        4 => seen(true, true),
        _ => seen(false, false),
    }
}

fn screen(n: u8) -> Option<ScreenObs> {
    let a = match n {
        0 => return None,
        1 => Activity::Working,
        2 => Activity::Ready,
        3 => Activity::WaitingInput,
        _ => Activity::Blocked,
    };
    Some(ScreenObs {
        activity: a,
        evidence: "screen".into(),
        resets: None,
        retrying: false,
        changed_at: None,
    })
}

fn pr_obs(n: u8) -> PrObs {
    let c = ReviewComment {
        id: "c1".into(),
        author: "alice".into(),
        path: None,
        line: None,
        body: "fix".into(),
        url: None,
        bot: false,
    };
    let p = match n {
        0 => failing(pr(), &["test"]),
        1 => failing(pr(), &["test", "lint"]),
        2 => PrFacts {
            head_sha: "bbb".into(),
            ..failing(pr(), &["test"])
        },
        3 => PrFacts {
            ci: CiState::Passing,
            ..pr()
        },
        4 => PrFacts {
            review: ReviewDecision::ChangesRequested,
            comments: vec![c],
            ..pr()
        },
        5 => PrFacts {
            ci: CiState::Passing,
            review: ReviewDecision::Approved,
            ..pr()
        },
        6 => PrFacts {
            mergeable: Mergeability::Conflicting,
            ..pr()
        },
        7 => PrFacts {
            state: PrState::Merged,
            ..pr()
        },
        8 => return PrObs::NoPr,
        9 => return PrObs::NotChecked,
        _ => return PrObs::Failed("HTTP 502".into()),
    };
    PrObs::Pr(p)
}

fn routes(p: Priority) -> Vec<String> {
    match p {
        Priority::Urgent => vec!["desktop".into(), "slack".into()],
        _ => vec!["slack".into()],
    }
}

/// The send budget the settings imply.
fn budget(retries: Option<u32>, esc: Option<EscalateAfter>) -> u32 {
    match (retries, esc) {
        (Some(r), _) => r + 1,
        (None, None) => 3,
        (None, Some(_)) => u32::MAX,
    }
}

fn notifications(d: &Decision) -> Vec<Notification> {
    d.actions
        .iter()
        .filter_map(|a| match a {
            Action::Notify(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn lifecycle_invariants(
        (retries, esc, auto_merge) in policy(),
        steps in prop::collection::vec(step(), 1..60),
    ) {
        let mut s = settings();
        for kind in [
            ReactionKind::CiFailed,
            ReactionKind::ChangesRequested,
            ReactionKind::BugbotComments,
            ReactionKind::MergeConflicts,
        ] {
            let c = s.reactions.get_mut(&kind).unwrap();
            c.action = Some(ReactionAction::SendToAgent);
            c.retries = retries;
            c.escalate_after = esc;
        }
        s.reactions.get_mut(&ReactionKind::ApprovedAndGreen).unwrap().auto = Some(auto_merge);
        let max = budget(retries, esc);

        let mut rec = record();
        let mut now = t(0);
        let mut delivered: BTreeSet<(String, String)> = BTreeSet::new();
        let mut sends: BTreeMap<String, u32> = BTreeMap::new();
        let mut missing_run = 0u32;

        for st in steps {
            now = now.checked_add(jiff::SignedDuration::from_secs(st.dt)).unwrap();
            let o = obs(runtime(st.runtime), screen(st.screen), pr_obs(st.pr));
            // (d) the model of consecutive missing observations after the grace.
            match o.runtime {
                RuntimeObs::Seen { exists: false, .. } if now.as_second() - rec.created_at.as_second() >= 60 => missing_run += 1,
                RuntimeObs::Seen { exists: true, .. } => missing_run = 0,
                _ => {}
            }
            let d = decide(&rec, &o, &s, now);
            if d.record.status == Status::Killed {
                prop_assert!(missing_run >= s.missing_after, "killed after {missing_run} missing");
            }
            rec = d.record.clone();
            let mut new = notifications(&d);
            let mut failed_keys = Vec::new();
            for a in &d.actions {
                match a {
                    Action::SendToAgent { key, .. } => {
                        let n = sends.entry(key.clone()).or_default();
                        *n += 1;
                        // (b)
                        prop_assert!(*n <= max, "{key}: {n} sends, budget {max}");
                        let result = match st.send {
                            0 => Ok(Delivery::Delivered),
                            1 => Ok(Delivery::Unconfirmed),
                            _ => Err("paste failed".to_owned()),
                        };
                        let failed = result.is_err();
                        let d2 = on_send_result(&rec, key, result, &s, now);
                        rec = d2.record.clone();
                        let esc_key = format!("{}:{key}:escalated", rec.id);
                        if failed {
                            // (c) in the actions right away.
                            prop_assert!(notifications(&d2).iter().any(|n| n.key == esc_key));
                            failed_keys.push(esc_key);
                        }
                        new.extend(notifications(&d2));
                    }
                    Action::Merge { key, .. } => {
                        let result = match st.merge {
                            0 => Ok(MergeOutcome::Merged("m".into())),
                            1 => Ok(MergeOutcome::HeadMoved),
                            2 => Ok(MergeOutcome::Refused("blocked".into())),
                            _ => Err("HTTP 500".into()),
                        };
                        let d2 = on_merge_result(&rec, key, result, &s, now);
                        rec = d2.record.clone();
                        new.extend(notifications(&d2));
                    }
                    Action::Notify(_) | Action::Cleanup { .. } => {}
                }
            }
            let plans = plan_deliveries(&mut rec, &new, &routes, now);
            // (c) and in the ledger, to be delivered.
            for k in &failed_keys {
                prop_assert!(rec.notifications.contains_key(k));
            }
            let mut outcomes = st.deliveries.iter().cycle();
            for plan in plans {
                for name in plan.due {
                    let pair = (plan.key.clone(), name.clone());
                    // (a)
                    prop_assert!(!delivered.contains(&pair), "{pair:?} delivered twice");
                    let ok = *outcomes.next().unwrap_or(&true);
                    let result = if ok { Ok(()) } else { Err("HTTP 503".to_owned()) };
                    record_delivery(&mut rec, &plan.key, &name, result, now);
                    if ok {
                        delivered.insert(pair);
                    }
                }
            }
            // (b) on the ledger itself; a key dropped from the ledger starts a fresh budget.
            for l in rec.reactions.values() {
                if let Some(r) = retries.filter(|_| l.reaction != "approved-and-green") {
                    prop_assert!(l.attempts <= r + 1);
                }
            }
            sends.retain(|k, _| rec.reactions.contains_key(k));
        }
    }
}
