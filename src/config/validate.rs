//! Semantic validation after the typed parse: names that reach paths and tmux targets,
//! plugin names, notifier references, per-plugin notifier keys, reaction settings and
//! secret files.
//!
//! Errors stop ao (exit 2); warnings do not. A plugin that is neither built in nor found as
//! `ao-<slot>-<name>` on PATH is a warning, not an error: the seed's Full Config names
//! plugins (`linear`, `slack`) that a given installation may not have, and it must load.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::diagnose::{KeyPath, did_you_mean};
use super::load::{ConfigError, Problem, ProblemKind, Warning};
use super::plugin_names;
use super::{Config, NotifierConfig, PluginConfig, ReactionAction, ReactionKind, Reactions};
use crate::model::{Priority, validate_branch, validate_name};

/// Checks `cfg` (loaded from `path`) beyond what its types enforce. Returns the warnings,
/// or every error found.
pub fn validate(cfg: &Config, path: &Path) -> Result<Vec<Warning>, ConfigError> {
    validate_inner(cfg, path, None)
}

/// [`validate`] with the file's text, so problems carry line and column.
pub(crate) fn validate_inner(
    cfg: &Config,
    path: &Path,
    text: Option<&str>,
) -> Result<Vec<Warning>, ConfigError> {
    let mut c = Checker {
        cfg,
        file: path,
        text,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    c.top_level();
    c.projects();
    c.defaults();
    c.notifiers();
    c.routing();
    c.reactions(&KeyPath::of(&["reactions"]), &cfg.reactions);
    if c.errors.is_empty() {
        Ok(c.warnings)
    } else {
        Err(ConfigError::Problems(c.errors))
    }
}

/// Merge methods accepted by `mergeMethod` / `merge-method`.
pub const MERGE_METHODS: &[&str] = &["merge", "squash", "rebase"];

/// Notifier plugins ao knows the keys of: (plugin, keys it uses besides `plugin`).
const NOTIFIER_KEYS: &[(&str, &[&str])] = &[
    ("desktop", &[]),
    ("stdout", &[]),
    ("command", &["command"]),
    ("slack", &["webhook", "url", "channel", "secretFile"]),
    ("discord", &["webhook", "url", "secretFile"]),
    ("webhook", &["url", "webhook", "secret", "secretFile"]),
    ("ntfy", &["url", "topic", "token", "secretFile"]),
    ("email", &["to", "from", "digest", "command"]),
];

struct Checker<'a> {
    cfg: &'a Config,
    file: &'a Path,
    text: Option<&'a str>,
    errors: Vec<Problem>,
    warnings: Vec<Warning>,
}

impl Checker<'_> {
    fn problem(
        &self,
        kind: ProblemKind,
        key: &KeyPath,
        msg: String,
        hint: Option<String>,
    ) -> Problem {
        Problem::at(kind, self.file, self.text, key, msg, hint)
    }

    fn error(&mut self, kind: ProblemKind, key: &KeyPath, msg: String, hint: Option<String>) {
        let p = self.problem(kind, key, msg, hint);
        self.errors.push(p);
    }

    fn warn(&mut self, kind: ProblemKind, key: &KeyPath, msg: String, hint: Option<String>) {
        let p = self.problem(kind, key, msg, hint);
        if !self.warnings.contains(&p) {
            self.warnings.push(p);
        }
    }

    fn top_level(&mut self) {
        let cfg = self.cfg;
        if cfg.max_sessions == Some(0) {
            self.error(
                ProblemKind::InvalidValue,
                &KeyPath::of(&["maxSessions"]),
                "must be at least 1 (leave it out for no limit)".to_owned(),
                None,
            );
        }
        if cfg.notifications.group_after == Some(0) {
            self.error(
                ProblemKind::InvalidValue,
                &KeyPath::of(&["notifications", "groupAfter"]),
                "must be at least 1 (single notifications per notifier and tick before the rest are grouped)"
                    .to_owned(),
                None,
            );
        }
        if cfg.missing_after == Some(0) {
            self.error(
                ProblemKind::InvalidValue,
                &KeyPath::of(&["missingAfter"]),
                "must be at least 1 (consecutive failed observations before a session counts as killed)"
                    .to_owned(),
                None,
            );
        }
        if let Some(s) = &cfg.tmux_socket
            && (s.is_empty() || s.contains(['/', '\0']) || s.starts_with('-'))
        {
            self.error(
                ProblemKind::InvalidValue,
                &KeyPath::of(&["tmuxSocket"]),
                format!(
                    "invalid tmux socket name `{}`: use a plain name (no `/`, not starting with `-`)",
                    s.escape_default()
                ),
                None,
            );
        }
        if cfg.projects.is_empty() {
            self.warn(
                ProblemKind::NoProjects,
                &KeyPath::root(),
                "no projects are configured".to_owned(),
                Some("add one under `projects:`, or run `ao init` in a repository".to_owned()),
            );
        }
    }

    fn projects(&mut self) {
        let cfg = self.cfg;
        let mut prefixes: BTreeMap<&str, &str> = BTreeMap::new();
        for (id, p) in &cfg.projects {
            let key = KeyPath::of(&["projects", id]);
            if let Err(e) = validate_name(id, "project id") {
                self.error(
                    ProblemKind::InvalidName,
                    &key,
                    format!("invalid project id `{}`: {}", e.value, e.why),
                    Some(
                        "project ids become parts of session ids, branch names and paths"
                            .to_owned(),
                    ),
                );
            }
            if let Some(prefix) = &p.session_prefix
                && let Err(e) = validate_name(prefix, "session prefix")
            {
                self.error(
                    ProblemKind::InvalidName,
                    &key.key("sessionPrefix"),
                    format!("invalid session prefix `{}`: {}", e.value, e.why),
                    None,
                );
            }
            let prefix = p.prefix(id);
            if let Some(other) = prefixes.insert(prefix, id) {
                self.error(
                    ProblemKind::InvalidValue,
                    &key.key("sessionPrefix"),
                    format!(
                        "session prefix `{prefix}` is also used by project `{other}`; session ids would collide"
                    ),
                    Some("give each project its own `sessionPrefix`".to_owned()),
                );
            }
            self.project_path(&key, &p.path);
            let gitlab = p.scm_name() == "gitlab" || p.tracker_name() == "gitlab";
            if let Some(repo) = &p.repo
                && gitlab
                && crate::sys::gitlab::parse_project(repo).is_none()
            {
                self.error(
                    ProblemKind::InvalidValue,
                    &key.key("repo"),
                    format!(
                        "invalid GitLab project `{}`: expected `group/project` or `group/subgroup/project`",
                        repo.escape_default()
                    ),
                    None,
                );
            } else if let Some(repo) = &p.repo
                && !gitlab
                && !valid_repo(repo)
            {
                self.error(
                    ProblemKind::InvalidValue,
                    &key.key("repo"),
                    format!(
                        "invalid repo `{}`: expected `owner/name`, like `acme/widgets`",
                        repo.escape_default()
                    ),
                    None,
                );
            }
            if let Some(b) = &p.default_branch
                && let Err(e) = validate_branch(b)
            {
                self.error(
                    ProblemKind::InvalidValue,
                    &key.key("defaultBranch"),
                    format!("invalid branch `{}`: {}", e.value, e.why),
                    None,
                );
            }
            if p.max_sessions == Some(0) {
                self.error(
                    ProblemKind::InvalidValue,
                    &key.key("maxSessions"),
                    "must be at least 1 (leave it out for no limit)".to_owned(),
                    None,
                );
            }
            // Effective plugins, blamed on the key that chose them.
            let d = &cfg.defaults;
            let blame = |own: bool, global: bool, slot: &str| {
                if own {
                    (key.key(slot), false)
                } else {
                    (KeyPath::of(&["defaults", slot]), !global)
                }
            };
            let agent = p.agent_name(cfg).to_owned();
            let (k, dflt) = blame(p.agent.is_some(), d.agent.is_some(), "agent");
            self.plugin("agent", &agent, &k, plugin_names::AGENT, dflt);
            let runtime = p.runtime_name(cfg).to_owned();
            let (k, dflt) = blame(p.runtime.is_some(), d.runtime.is_some(), "runtime");
            self.plugin("runtime", &runtime, &k, plugin_names::RUNTIME, dflt);
            if runtime == "ssh" {
                let hosts = p
                    .runtime_config
                    .as_ref()
                    .map(|r| r.hosts.as_slice())
                    .unwrap_or(&[]);
                if hosts.is_empty() {
                    self.error(
                        ProblemKind::MissingKey,
                        &key.key("runtimeConfig"),
                        "the `ssh` runtime needs `runtimeConfig: {hosts: [...]}`".to_owned(),
                        Some("list the hosts agents run on, e.g. `hosts: [build-1, user@build-2:2222]`".to_owned()),
                    );
                }
                for (i, h) in hosts.iter().enumerate() {
                    if let Err(e) = crate::sys::ssh::Host::parse(h) {
                        self.error(
                            ProblemKind::InvalidValue,
                            &key.key("runtimeConfig").key("hosts").index(i),
                            e,
                            None,
                        );
                    }
                }
                if let Some(w) = p
                    .runtime_config
                    .as_ref()
                    .and_then(|r| r.worktree_dir.as_deref())
                    && (!(w.starts_with('/') || w.starts_with("~/"))
                        || w.split('/').any(|c| c == ".."))
                {
                    self.error(
                        ProblemKind::InvalidValue,
                        &key.key("runtimeConfig").key("worktreeDir"),
                        format!("`{w}` must be absolute or start with `~/`, without `..`"),
                        None,
                    );
                }
            }
            let ws = p.workspace_name(cfg).to_owned();
            let (k, dflt) = blame(p.workspace.is_some(), d.workspace.is_some(), "workspace");
            self.plugin("workspace", &ws, &k, plugin_names::WORKSPACE, dflt);
            let tracker = p.tracker_name().to_owned();
            let dflt = p.tracker.as_ref().is_none_or(|t| t.plugin.is_none());
            let k = key.key("tracker");
            self.plugin("tracker", &tracker, &k, plugin_names::TRACKER, dflt);
            let scm = p.scm_name().to_owned();
            let dflt = p.scm.as_ref().is_none_or(|t| t.plugin.is_none());
            let k = key.key("scm");
            self.plugin("scm", &scm, &k, plugin_names::SCM, dflt);
            if p.repo.is_none() && (tracker == "gitlab" || scm == "gitlab") {
                self.warn(
                    ProblemKind::MissingKey,
                    &key,
                    "the `gitlab` tracker and SCM need `repo: group/project`".to_owned(),
                    Some("add `repo:` (the project's full path on GitLab)".to_owned()),
                );
            }
            if p.repo.is_none() && (tracker == "github" || scm == "github") {
                self.warn(
                    ProblemKind::MissingKey,
                    &key,
                    "the `github` tracker and SCM need `repo: owner/name`".to_owned(),
                    Some(
                        "add `repo:`, or use `tracker: plain` and `scm: local` for a local-only project"
                            .to_owned(),
                    ),
                );
            }
            if tracker == "jira" && p.tracker.as_ref().is_none_or(|t| t.base_url.is_none()) {
                self.error(
                    ProblemKind::MissingKey,
                    &key.key("tracker"),
                    "the `jira` tracker needs `baseUrl` (your site, like https://acme.atlassian.net)"
                        .to_owned(),
                    None,
                );
            }
            for (slot, pc) in [("tracker", &p.tracker), ("scm", &p.scm)] {
                if let Some(pc) = pc {
                    self.plugin_config(&key.key(slot), pc);
                }
            }
            if agent == "custom" && p.agent_config.command.as_deref().is_none_or(str::is_empty) {
                self.error(
                    ProblemKind::MissingKey,
                    &key.key("agentConfig"),
                    "the `custom` agent needs `agentConfig.command` (the command line that starts it)"
                        .to_owned(),
                    None,
                );
            }
            if plugin_names::AGENT.contains(&agent.as_str())
                && let Err(m) =
                    super::permissions::check(&agent, p.agent_config.permissions.as_deref())
            {
                self.error(
                    ProblemKind::InvalidValue,
                    &key.key("agentConfig").key("permissions"),
                    m,
                    None,
                );
            }
            for name in p.agent_config.env.keys() {
                if name.is_empty() || name.contains(['=', '\0']) {
                    self.error(
                        ProblemKind::InvalidValue,
                        &key.key("agentConfig").key("env"),
                        format!(
                            "invalid environment variable name `{}` (no `=`, not empty)",
                            name.escape_default()
                        ),
                        None,
                    );
                }
            }
            for (i, s) in p.symlinks.iter().enumerate() {
                let sp = Path::new(s);
                if s.is_empty()
                    || sp.is_absolute()
                    || sp
                        .components()
                        .any(|c| matches!(c, std::path::Component::ParentDir))
                {
                    self.error(
                        ProblemKind::InvalidValue,
                        &key.key("symlinks").index(i),
                        format!(
                            "invalid symlink `{}`: must be a relative path inside the project (no `..`)",
                            s.escape_default()
                        ),
                        None,
                    );
                }
            }
            self.reactions(&key.key("reactions"), &p.reactions);
        }
    }

    fn project_path(&mut self, key: &KeyPath, path: &Path) {
        if path.as_os_str().is_empty() {
            self.error(
                ProblemKind::InvalidValue,
                &key.key("path"),
                "must not be empty: the project's local checkout".to_owned(),
                None,
            );
            return;
        }
        let resolved = self.resolve(path);
        if !resolved.exists() {
            self.warn(
                ProblemKind::MissingPath,
                &key.key("path"),
                format!("{} does not exist", resolved.display()),
                Some("clone the repository there, or fix `path:`".to_owned()),
            );
        }
    }

    /// A path from the config: `~` expanded, relative to the config file's directory.
    fn resolve(&self, p: &Path) -> PathBuf {
        super::resolved::resolve_path(self.file, p)
    }

    fn plugin(&mut self, slot: &str, name: &str, key: &KeyPath, builtin: &[&str], defaulted: bool) {
        if builtin.contains(&name) || plugin_names::external(slot, name).is_some() {
            return;
        }
        let hint = did_you_mean(name, builtin).map_or_else(
            || {
                Some(format!(
                    "install an executable `ao-{slot}-{name}` on PATH, or use a built-in one"
                ))
            },
            |s| Some(format!("did you mean `{s}`?")),
        );
        self.warn(
            ProblemKind::UnknownPlugin,
            key,
            format!(
                "{slot} plugin `{}`{} is not built in and no `ao-{slot}-{}` is on PATH (available: {})",
                name.escape_default(),
                if defaulted { " (the default)" } else { "" },
                name.escape_default(),
                builtin.join(", ")
            ),
            hint,
        );
    }

    fn plugin_config(&mut self, key: &KeyPath, pc: &PluginConfig) {
        if let Some(m) = &pc.merge_method
            && !MERGE_METHODS.contains(&m.as_str())
        {
            self.error(
                ProblemKind::UnknownValue,
                &key.key("mergeMethod"),
                format!(
                    "unknown merge method `{}` (allowed: {})",
                    m.escape_default(),
                    MERGE_METHODS.join(", ")
                ),
                did_you_mean(m, MERGE_METHODS).map(|s| format!("did you mean `{s}`?")),
            );
        }
        if let Some(prefix) = &pc.branch_prefix
            && validate_branch(prefix).is_err()
        {
            self.error(
                ProblemKind::InvalidValue,
                &key.key("branchPrefix"),
                format!(
                    "invalid branch prefix `{}`: use letters, digits, `-`, `/`, `.` and `_`",
                    prefix.escape_default()
                ),
                None,
            );
        }
    }

    fn defaults(&mut self) {
        let d = &self.cfg.defaults;
        let checks: [(&str, &Option<String>, &[&str]); 4] = [
            ("runtime", &d.runtime, plugin_names::RUNTIME),
            ("agent", &d.agent, plugin_names::AGENT),
            ("workspace", &d.workspace, plugin_names::WORKSPACE),
            ("terminal", &d.terminal, plugin_names::TERMINAL),
        ];
        for (slot, name, builtin) in checks {
            if let Some(n) = name {
                self.plugin(slot, n, &KeyPath::of(&["defaults", slot]), builtin, false);
            }
        }
        if let Some(list) = &d.notifiers {
            for (i, n) in list.iter().enumerate() {
                self.notifier_ref(n, &KeyPath::of(&["defaults", "notifiers"]).index(i));
            }
        }
    }

    fn notifiers(&mut self) {
        for (name, n) in &self.cfg.notifiers {
            let key = KeyPath::of(&["notifiers", name]);
            self.notifier(&key, n);
        }
    }

    fn notifier(&mut self, key: &KeyPath, n: &NotifierConfig) {
        let plugin = n.plugin.as_str();
        let known = NOTIFIER_KEYS.iter().find(|(p, _)| *p == plugin);
        if known.is_none() || !plugin_names::NOTIFIER.contains(&plugin) {
            self.plugin(
                "notifier",
                plugin,
                &key.key("plugin"),
                plugin_names::NOTIFIER,
                false,
            );
        }
        let set = set_notifier_keys(n);
        if let Some((_, uses)) = known {
            for k in &set {
                if !uses.contains(k) {
                    let what = if uses.is_empty() {
                        "no other keys".to_owned()
                    } else {
                        uses.join(", ")
                    };
                    self.warn(
                        ProblemKind::UnusedKey,
                        &key.key(*k),
                        format!("`{k}` is not used by the `{plugin}` notifier (it uses: {what})"),
                        None,
                    );
                }
            }
        }
        let has = |k: &str| set.contains(&k);
        let need = |this: &mut Self, ok: bool, what: &str| {
            if !ok {
                this.error(
                    ProblemKind::MissingKey,
                    key,
                    format!("the `{plugin}` notifier needs {what}"),
                    None,
                );
            }
        };
        match plugin {
            "command" => need(self, has("command"), "`command` (program and arguments)"),
            "slack" | "discord" => need(
                self,
                has("webhook") || has("url") || has("secretFile"),
                "`webhook` (write it as `${SLACK_WEBHOOK_URL}`) or `secretFile`",
            ),
            "webhook" => need(
                self,
                has("url") || has("webhook") || has("secretFile"),
                "`url` or `secretFile`",
            ),
            "ntfy" => need(self, has("topic"), "`topic`"),
            "email" => need(self, has("to"), "`to` (recipient addresses)"),
            _ => {}
        }
        if matches!(plugin, "slack" | "discord" | "webhook") {
            for (k, v) in [("webhook", &n.webhook), ("url", &n.url)] {
                if let Some(u) = v
                    && !u.starts_with("https://")
                    && !u.starts_with("file:")
                    && !is_loopback_http(u)
                {
                    self.warn(
                        ProblemKind::InvalidValue,
                        &key.key(k),
                        "is not an https:// URL; webhooks are sent over https only".to_owned(),
                        None,
                    );
                }
            }
        }
        if let Some(f) = &n.secret_file {
            self.secret_file(&key.key("secretFile"), f);
        }
        // `webhook: file:/path` and the like read the secret from a file.
        let inline = [
            ("webhook", &n.webhook),
            ("url", &n.url),
            ("token", &n.token),
            ("secret", &n.secret),
        ];
        for (k, v) in inline {
            if let Some(f) = v.as_deref().and_then(|v| v.trim().strip_prefix("file:")) {
                self.secret_file(&key.key(k), Path::new(f.trim()));
            }
        }
    }

    fn secret_file(&mut self, key: &KeyPath, f: &Path) {
        use std::os::unix::fs::PermissionsExt;
        let p = self.resolve(f);
        match std::fs::metadata(&p) {
            // A warning: the notifier refuses the file when it is used, and one broken
            // notifier must not stop the others (or the tick).
            Ok(m) if m.permissions().mode() & 0o077 != 0 => self.warn(
                ProblemKind::InsecureSecret,
                key,
                format!(
                    "secret file {} is readable by group or others (mode {:04o}); the notifier will refuse it",
                    p.display(),
                    m.permissions().mode() & 0o7777
                ),
                Some(format!("run `chmod 600 {}`", p.display())),
            ),
            Ok(_) => {}
            Err(e) => self.warn(
                ProblemKind::MissingPath,
                key,
                format!("cannot read secret file {}: {e}", p.display()),
                None,
            ),
        }
    }

    /// A notifier named in routing or defaults must be configured or be a plugin name.
    fn notifier_ref(&mut self, name: &str, key: &KeyPath) {
        if self.cfg.notifiers.contains_key(name)
            || plugin_names::NOTIFIER.contains(&name)
            || plugin_names::external("notifier", name).is_some()
        {
            return;
        }
        let configured: Vec<&str> = self.cfg.notifiers.keys().map(String::as_str).collect();
        let mut candidates = configured.clone();
        candidates.extend_from_slice(plugin_names::NOTIFIER);
        let hint = did_you_mean(name, &candidates).map_or_else(
            || {
                Some(format!(
                    "define it under `notifiers:` (e.g. `notifiers: {{{name}: {{plugin: …}}}}`)"
                ))
            },
            |s| Some(format!("did you mean `{s}`?")),
        );
        let configured = if configured.is_empty() {
            "none".to_owned()
        } else {
            configured.join(", ")
        };
        self.warn(
            ProblemKind::UnknownNotifier,
            key,
            format!(
                "notifier `{}` is neither configured under `notifiers:` (configured: {configured}) nor a plugin (built in: {})",
                name.escape_default(),
                plugin_names::NOTIFIER.join(", ")
            ),
            hint,
        );
    }

    fn routing(&mut self) {
        let r = &self.cfg.notifications.routing;
        let mut fallback = false;
        for p in Priority::ALL {
            match r.get(p) {
                Some(list) => {
                    for (i, n) in list.iter().enumerate() {
                        let key = KeyPath::of(&["notifications", "routing", p.as_str()]).index(i);
                        self.notifier_ref(n, &key);
                    }
                }
                None => fallback |= self.cfg.defaults.notifiers.is_none(),
            }
        }
        // The built-in fallback route, when something uses it.
        if fallback && !self.cfg.projects.is_empty() {
            let name = super::plugin_defaults::NOTIFIER;
            if !self.cfg.notifiers.contains_key(name)
                && !plugin_names::NOTIFIER.contains(&name)
                && plugin_names::external("notifier", name).is_none()
            {
                self.warn(
                    ProblemKind::UnknownNotifier,
                    &KeyPath::of(&["defaults", "notifiers"]),
                    format!(
                        "notifications go to the default notifier `{name}`, which is not available (built in: {})",
                        plugin_names::NOTIFIER.join(", ")
                    ),
                    Some("set `defaults: {notifiers: [stdout]}` or route to a configured notifier".to_owned()),
                );
            }
        }
    }

    fn reactions(&mut self, key: &KeyPath, rs: &Reactions) {
        for kind in ReactionKind::ALL {
            let Some(r) = rs.get(kind) else { continue };
            let k = key.key(kind.as_str());
            if r.action == Some(ReactionAction::AutoMerge) && kind != ReactionKind::ApprovedAndGreen
            {
                self.error(
                    ProblemKind::InvalidValue,
                    &k.key("action"),
                    format!(
                        "`auto-merge` is only allowed for `approved-and-green` (for `{}` use `send-to-agent` or `notify`)",
                        kind.as_str()
                    ),
                    None,
                );
            }
            if let Some(m) = &r.merge_method
                && !MERGE_METHODS.contains(&m.as_str())
            {
                self.error(
                    ProblemKind::UnknownValue,
                    &k.key("merge-method"),
                    format!(
                        "unknown merge method `{}` (allowed: {})",
                        m.escape_default(),
                        MERGE_METHODS.join(", ")
                    ),
                    did_you_mean(m, MERGE_METHODS).map(|s| format!("did you mean `{s}`?")),
                );
            }
            let uses_threshold =
                matches!(kind, ReactionKind::AgentStuck | ReactionKind::AgentIdleNoPr);
            if let Some(t) = r.threshold {
                if t.as_secs() == 0 {
                    self.error(
                        ProblemKind::InvalidValue,
                        &k.key("threshold"),
                        "must be longer than 0s (like `10m`)".to_owned(),
                        None,
                    );
                } else if !uses_threshold {
                    self.warn(
                        ProblemKind::UnusedKey,
                        &k.key("threshold"),
                        format!(
                            "`threshold` is not used by `{}` (only by agent-stuck and agent-idle-no-pr)",
                            kind.as_str()
                        ),
                        None,
                    );
                }
            }
            if r.include_summary.is_some() && kind != ReactionKind::AllComplete {
                self.warn(
                    ProblemKind::UnusedKey,
                    &k.key("include-summary"),
                    format!(
                        "`include-summary` is not used by `{}` (only by all-complete)",
                        kind.as_str()
                    ),
                    None,
                );
            }
        }
    }
}

/// The keys of a notifier that are set, by their config names.
fn set_notifier_keys(n: &NotifierConfig) -> Vec<&'static str> {
    let mut v = Vec::new();
    let mut add = |on: bool, k: &'static str| {
        if on {
            v.push(k);
        }
    };
    add(n.webhook.is_some(), "webhook");
    add(n.url.is_some(), "url");
    add(n.channel.is_some(), "channel");
    add(n.topic.is_some(), "topic");
    add(n.token.is_some(), "token");
    add(n.secret.is_some(), "secret");
    add(n.secret_file.is_some(), "secretFile");
    add(!n.command.is_empty(), "command");
    add(!n.to.is_empty(), "to");
    add(n.from.is_some(), "from");
    add(n.digest.is_some(), "digest");
    v
}

/// `http://` to the loopback interface (test stubs); anything else must be https.
fn is_loopback_http(u: &str) -> bool {
    let Some(rest) = u.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split(']').next().map_or("", |h| &h[1..])
    } else {
        host.split(':').next().unwrap_or("")
    };
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

/// `owner/name` with GitHub's characters.
fn valid_repo(s: &str) -> bool {
    let ok = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    matches!(s.split_once('/'), Some((o, n)) if ok(o) && ok(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load::parse_with;

    fn check(text: &str) -> Result<Vec<Warning>, Vec<Problem>> {
        let lookup = |_: &str| Ok(None);
        match parse_with(text, Path::new("/cfg/ao.yaml"), None, &lookup) {
            Ok((_, w)) => Ok(w),
            Err(ConfigError::Problems(ps)) => Err(ps),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn names_are_validated() {
        let e = check("projects:\n  My_App:\n    path: /tmp\n").unwrap_err();
        assert_eq!(e[0].kind, ProblemKind::InvalidName);
        assert_eq!(e[0].key.as_deref(), Some("projects.My_App"));
        assert!(e[0].message.contains("a-z, 0-9"), "{}", e[0]);
        assert_eq!(e[0].line, Some(2));
        let e = check("projects:\n  app:\n    path: /tmp\n    sessionPrefix: A.B\n").unwrap_err();
        assert_eq!(e[0].key.as_deref(), Some("projects.app.sessionPrefix"));
        assert_eq!(e[0].line, Some(4));
    }

    #[test]
    fn unknown_plugins_and_notifiers_warn() {
        let w = check(
            "projects:\n  app:\n    path: /tmp\n    tracker: linearr\n    scm: local\n    agent: custom\n    agentConfig: {command: x}\nnotifications:\n  routing:\n    urgent: [slak]\nnotifiers:\n  slack:\n    plugin: command\n    command: [notify-send]\n",
        )
        .unwrap();
        let tracker = w
            .iter()
            .find(|w| w.kind == ProblemKind::UnknownPlugin)
            .unwrap();
        assert_eq!(tracker.key.as_deref(), Some("projects.app.tracker"));
        assert!(
            tracker
                .message
                .contains("available: github, gitlab, jira, linear, plain"),
            "{tracker}"
        );
        let n = w
            .iter()
            .find(|w| w.kind == ProblemKind::UnknownNotifier)
            .unwrap();
        assert_eq!(n.key.as_deref(), Some("notifications.routing.urgent[0]"));
        assert_eq!(n.hint.as_deref(), Some("did you mean `slack`?"));
    }

    #[test]
    fn reaction_rules() {
        let e = check(
            "projects:\n  app:\n    path: /tmp\nreactions:\n  ci-failed:\n    action: auto-merge\n  agent-stuck:\n    threshold: 0s\n",
        )
        .unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].key.as_deref(), Some("reactions.ci-failed.action"));
        assert_eq!(e[1].key.as_deref(), Some("reactions.agent-stuck.threshold"));
    }

    #[test]
    fn notifier_requirements() {
        let e = check(
            "projects:\n  app:\n    path: /tmp\nnotifiers:\n  slack:\n    plugin: slack\n    channel: x\n",
        )
        .unwrap_err();
        assert_eq!(e[0].kind, ProblemKind::MissingKey);
        assert!(e[0].message.contains("webhook"));
        let w = check(
            "projects:\n  app:\n    path: /tmp\nnotifiers:\n  s:\n    plugin: stdout\n    topic: x\n",
        )
        .unwrap();
        assert!(
            w.iter().any(|w| w.kind == ProblemKind::UnusedKey
                && w.key.as_deref() == Some("notifiers.s.topic"))
        );
    }

    #[test]
    fn loopback_http_is_allowed() {
        assert!(is_loopback_http("http://127.0.0.1:8080/hook"));
        assert!(is_loopback_http("http://[::1]:9/x"));
        assert!(!is_loopback_http("http://example.com/"));
        assert!(!is_loopback_http("https://127.0.0.1/"));
    }
}
