//! The one integration-test binary: the real `ao` binary against real git and real tmux
//! (a private socket per test), with a temporary HOME and data dir.

// Tests run programs directly (the binary under test, git, tmux, fake agents) and unwrap.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    clippy::naive_bytecount,
    clippy::used_underscore_binding,
    clippy::unnecessary_debug_formatting
)]

mod common;

mod agents;
mod checklist;
mod concurrency;
mod config;
mod crash;
mod dashboard;
mod delivery;
mod doctor;
mod examples;
mod external_plugins;
mod first_hour;
mod fuzz;
mod generated;
mod github;
mod gitlab;
mod hostile;
mod jira;
mod layering;
mod linear;
mod notifiers;
mod real_agents;
mod session;
mod smoke;
mod spawn_checks;
mod ssh;
mod steady;
mod tick;
