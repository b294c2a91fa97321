//! Outcomes of actions that the lifecycle reads back (a merge attempt), shared by the
//! plugins that produce them and the core that decides on them.

/// Result of a merge attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeOutcome {
    /// Merged; the merge commit sha.
    Merged(String),
    /// Not merged because the head moved since approval (GitHub 409); re-evaluate.
    HeadMoved,
    /// Not merged, with the reason (conflict, blocked by branch protection).
    Refused(String),
}
