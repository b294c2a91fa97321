//! Mechanism only, no policy: the subprocess wrapper and typed wrappers per external tool
//! (tmux, git), plus text sanitising shared by every outward channel.

pub mod cmd;
pub mod git;
pub mod github;
pub mod gitlab;
pub mod http;
pub mod ssh;
pub mod text;
pub mod tmux;
