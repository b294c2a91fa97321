//! Mechanism only, no policy: the subprocess wrapper, atomic file replacement, typed
//! wrappers per external tool (tmux, git, GitHub), plus text sanitising shared by every
//! outward channel.

pub mod atomic;
pub mod cmd;
pub mod git;
pub mod github;
pub mod gitlab;
pub mod http;
pub mod proc;
pub mod ssh;
pub mod text;
pub mod tmux;
pub mod which;
