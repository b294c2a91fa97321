//! Session operations shared by commands, the tick and the demo: spawn, the single
//! delivery routine, kill, restore. Nothing here prints; results and errors go back to
//! the caller, and every state change appends an event.

mod deliver;
mod kill;
mod restore;
mod spawn;
mod tracker_sync;

use std::path::{Path, PathBuf};

pub use deliver::{DeliverOptions, DeliveryReport, LONG_MESSAGE_BYTES, deliver, wait_started};
pub use kill::{KillOutcome, kill};
pub use restore::restore;
pub use spawn::{SpawnRequest, spawn};
pub use tracker_sync::{Synced, due as tracker_sync_due, sync as sync_tracker};

use crate::config::ProjectConfig;
use crate::context::Ctx;
use crate::model::SessionRecord;
use crate::plugins::{runtime, workspace};

/// The largest prompt or message ao accepts (1 MiB): far above any real task text, far
/// below what would hurt the agent, the disk or the log (checklist B7).
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// Refuses `what` (a prompt, a message) of `len` bytes above [`MAX_TEXT_BYTES`].
pub fn check_text_size(what: &str, len: usize) -> anyhow::Result<()> {
    if len > MAX_TEXT_BYTES {
        return Err(crate::error::usage(
            format!("the {what} is {len} bytes; the limit is {MAX_TEXT_BYTES} bytes (1 MiB)"),
            "put long material in a file in the repository and refer to it by path",
        ));
    }
    Ok(())
}

/// Reads text from `path` (`-` = stdin), reading no more than one byte past
/// [`MAX_TEXT_BYTES`], so a huge or endless input is refused without filling memory.
pub fn read_text_input(what: &str, path: &Path) -> anyhow::Result<String> {
    use anyhow::Context as _;
    use std::io::Read as _;
    let stdin = path == Path::new("-");
    let name = if stdin {
        "stdin".to_owned()
    } else {
        path.display().to_string()
    };
    let mut bytes = Vec::new();
    let limit = MAX_TEXT_BYTES as u64 + 1;
    if stdin {
        std::io::stdin()
            .take(limit)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read the {what} from stdin"))?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(limit).read_to_end(&mut bytes))
            .with_context(|| format!("cannot read the {what} from {name}"))?;
    }
    if bytes.len() > MAX_TEXT_BYTES {
        return Err(crate::error::usage(
            format!(
                "the {what} from {name} is larger than {MAX_TEXT_BYTES} bytes (1 MiB), the limit"
            ),
            "put long material in a file in the repository and refer to it by path",
        ));
    }
    String::from_utf8(bytes).with_context(|| format!("the {what} from {name} is not UTF-8 text"))
}

/// The project's checkout, resolved relative to the config file.
pub fn repo_path(ctx: &Ctx, project: &ProjectConfig) -> PathBuf {
    crate::config::resolved::resolve_path(&ctx.config_path, &project.path)
}

/// The default branch of a project: configured, else detected from git, else `main`.
pub fn default_branch(project: &ProjectConfig, repo: &Path) -> String {
    crate::config::resolved::default_branch(project, repo)
}

/// The plugin environment of `ctx` without a project: the data dir.
pub fn plugin_env(ctx: &Ctx) -> crate::plugins::PluginEnv<'_> {
    crate::plugins::PluginEnv::new(ctx.store.root())
}

/// The runtime plugin a record was started with.
pub fn runtime_for(ctx: &Ctx, rec: &SessionRecord) -> anyhow::Result<Box<dyn runtime::Runtime>> {
    let name = rec.runtime.as_ref().map_or("tmux", |h| h.plugin.as_str());
    runtime_named(ctx, &rec.project, name)
}

/// The runtime `name` for `project` (the `ssh` runtime takes the project's
/// `runtimeConfig`).
pub fn runtime_named(
    ctx: &Ctx,
    project: &str,
    name: &str,
) -> anyhow::Result<Box<dyn runtime::Runtime>> {
    if name != "ssh" {
        let socket = ctx.tmux_socket();
        return Ok(runtime::create(
            name,
            &plugin_env(ctx).with_tmux(socket.as_deref()),
        )?);
    }
    Ok(Box::new(runtime::SshRuntime::new(ssh_settings(
        ctx, project,
    ))))
}

/// The `ssh` runtime's settings for `project`: its `runtimeConfig`, control sockets
/// under ao's data dir, the remote tmux on ao's socket name.
pub fn ssh_settings(ctx: &Ctx, project: &str) -> runtime::SshSettings {
    let rc = ctx
        .config
        .projects
        .get(project)
        .and_then(|p| p.runtime_config.clone())
        .unwrap_or_default();
    let resolve = |p: &Path| crate::config::resolved::resolve_path(&ctx.config_path, p);
    runtime::SshSettings {
        hosts: rc.hosts.clone(),
        identity_file: rc.identity_file.as_deref().map(resolve),
        ssh_config: rc.ssh_config.as_deref().map(resolve),
        worktree_dir: rc
            .worktree_dir
            .clone()
            .unwrap_or_else(|| runtime::SSH_WORKTREE_DIR.to_owned()),
        control_dir: ctx.store.root().join("ssh"),
        tmux_socket: ctx.tmux_socket().unwrap_or_else(|| "ao".to_owned()),
    }
}

/// Refuses a record whose workspace is not where ao puts workspaces: absolute, no `..`,
/// inside the workspace root and ending in `<project>/<id>`. A record edited to point at
/// `/`, `~` or another repository must never be removed or written to (checklist C5).
pub fn check_workspace(ctx: &Ctx, rec: &SessionRecord) -> anyhow::Result<()> {
    let root = ctx.worktree_dir();
    let ws = &rec.workspace;
    let lexical = ws.is_absolute()
        && !ws
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
        && ws.starts_with(&root)
        && ws.ends_with(Path::new(&rec.project).join(rec.id.as_str()));
    // Through symlinks too, when both exist.
    let real = match (std::fs::canonicalize(&root), std::fs::canonicalize(ws)) {
        (Ok(r), Ok(w)) => w.starts_with(&r) && w != r,
        _ => true,
    };
    if lexical && real {
        return Ok(());
    }
    anyhow::bail!(crate::error::UsageError {
        message: format!(
            "refusing to touch the workspace of {}: {} is not {}/{}/{} (the record was edited, or `worktreeDir` changed since the spawn); nothing was removed",
            rec.id,
            ws.display(),
            root.display(),
            rec.project,
            rec.id
        ),
        hint: Some(
            "check the record's `workspace`; remove a stale workspace by hand if it is really ao's"
                .into()
        ),
    })
}

/// The workspace request for an existing record.
pub fn workspace_request<'a>(
    project: &'a ProjectConfig,
    repo: &'a Path,
    rec: &'a SessionRecord,
    base: &'a str,
) -> workspace::WorkspaceRequest<'a> {
    workspace::WorkspaceRequest {
        repo,
        path: &rec.workspace,
        branch: &rec.branch,
        base,
        symlinks: &project.symlinks,
        post_create: &project.post_create,
    }
}

pub use crate::model::attach_hint;

/// The running `ao` binary (else `ao` on PATH), looked up once per process: a tick asks
/// for it once per session.
fn ao_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| std::env::current_exe().unwrap_or_else(|_| "ao".into()))
        .clone()
}

/// Builds the agent's launch plan (a resume plan when `resume`), writes the files it needs
/// (settings outside the workspace), and starts the runtime with the `AO_*` environment.
/// What an [`crate::plugins::agent::AgentContext`] for an existing record borrows: its
/// session dir, its prompt file and the running `ao` binary.
pub struct AgentPaths {
    /// The session's files in the data dir.
    pub files: PathBuf,
    /// The task prompt: the record's, else `prompt.md` in `files`.
    pub prompt: PathBuf,
    /// The running `ao` binary (for hook commands).
    pub ao_bin: PathBuf,
}

impl AgentPaths {
    /// The paths of `rec`.
    pub fn of(ctx: &Ctx, rec: &SessionRecord) -> anyhow::Result<Self> {
        let files = ctx.store.session_files(&rec.project, &rec.id)?;
        let prompt = rec
            .prompt_file
            .clone()
            .unwrap_or_else(|| files.join("prompt.md"));
        Ok(Self {
            files,
            prompt,
            ao_bin: ao_bin(),
        })
    }

    /// The agent context of `rec` (with its agent session id, for resuming).
    pub fn context<'a>(
        &'a self,
        rec: &'a SessionRecord,
        config: &'a crate::config::AgentConfig,
        now: jiff::Timestamp,
    ) -> crate::plugins::agent::AgentContext<'a> {
        crate::plugins::agent::AgentContext {
            session: rec.id.as_str(),
            project: &rec.project,
            workspace: &rec.workspace,
            prompt_file: &self.prompt,
            session_dir: &self.files,
            agent_session_id: rec.agent_session_id.as_deref(),
            config,
            ao_bin: &self.ao_bin,
            now,
        }
    }
}

/// Returns the runtime handle and the agent-side session id to record.
#[allow(clippy::too_many_arguments)]
pub(crate) fn start_agent(
    ctx: &Ctx,
    rec: &SessionRecord,
    agent_config: &crate::config::AgentConfig,
    agent: &dyn crate::plugins::agent::Agent,
    rt: &dyn runtime::Runtime,
    files: &Path,
    prompt_file: &Path,
    resume: bool,
    host: Option<&str>,
    now: jiff::Timestamp,
) -> anyhow::Result<(crate::model::RuntimeHandle, Option<String>)> {
    let ao_bin = std::env::current_exe().unwrap_or_else(|_| "ao".into());
    let actx = crate::plugins::agent::AgentContext {
        session: rec.id.as_str(),
        project: &rec.project,
        workspace: &rec.workspace,
        prompt_file,
        session_dir: files,
        agent_session_id: if resume {
            rec.agent_session_id.as_deref()
        } else {
            None
        },
        config: agent_config,
        ao_bin: &ao_bin,
        now,
    };
    let plan = if resume {
        agent.restore(&actx)?
    } else {
        agent.launch(&actx)?
    };
    let handle = run_plan(ctx, rec, rt, files, prompt_file, &plan, host)?;
    Ok((handle, plan.agent_session_id))
}

/// Writes the files `plan` needs and starts it in the runtime with the `AO_*`
/// environment (on `host` for the `ssh` runtime); returns the runtime handle.
pub(crate) fn run_plan(
    ctx: &Ctx,
    rec: &SessionRecord,
    rt: &dyn runtime::Runtime,
    files: &Path,
    prompt_file: &Path,
    plan: &crate::plugins::agent::LaunchPlan,
    host: Option<&str>,
) -> anyhow::Result<crate::model::RuntimeHandle> {
    use anyhow::Context as _;
    for (path, contents) in &plan.files {
        crate::sys::atomic::write(path, contents.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    for path in &plan.private_files {
        private_file(path).with_context(|| format!("cannot create {}", path.display()))?;
    }
    let spec = runtime::LaunchSpec {
        name: rec.id.to_string(),
        cwd: rec.workspace.clone(),
        argv: plan.argv.clone(),
        env: spawn::agent_env(ctx, rec, prompt_file, plan.env.clone()),
        state_dir: files.to_path_buf(),
        host: host.map(str::to_owned),
    };
    rt.create(&spec)
        .with_context(|| format!("cannot start the {} runtime", rt.name()))
}

/// Creates `path` empty with mode 0600 when missing; makes an existing regular file 0600.
fn private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    crate::sys::atomic::ensure_regular_or_missing(path)?;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

/// Serializes workspace creation and removal per project: concurrent `git worktree
/// add/remove/prune` in one repository collide on git's own lock files.
pub(crate) fn workspace_lock(ctx: &Ctx, project: &str) -> anyhow::Result<crate::store::FileLock> {
    Ok(ctx.store.lock_named(&format!("workspace-{project}"))?)
}
