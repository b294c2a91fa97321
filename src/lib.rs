//! ao — an agent orchestrator: spawns AI coding agents in isolated workspaces and tmux
//! sessions, keeps them moving (CI failures, reviews, conflicts go back to the agent) and
//! notifies the human only when judgment is needed. A synchronous, stateless CLI with
//! flat-file state; `ao tick` (cron / systemd timer) does one observe-and-react pass.
//!
//! Dependencies flow one way: `cli → context → tick / ops → lifecycle / plugins → store /
//! sys`; `context` holds the loaded config, resolved once (`config::Resolved`). Nothing
//! below `cli` prints or knows about clap; `lifecycle` does no I/O.

pub mod cli;
pub mod clock;
pub mod config;
pub mod context;
pub mod dashboard;
pub mod demo;
pub mod error;
pub mod lifecycle;
pub mod model;
pub mod notify;
pub mod ops;
pub mod plugins;
pub mod store;
pub mod sys;
pub mod tick;
