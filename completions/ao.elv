
use builtin;
use str;

set edit:completion:arg-completer[ao] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'ao'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'ao'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Write a config for the git repository in the current directory'
            cand config 'Check or show the configuration'
            cand spawn 'Start an agent session on an issue (or a free-form prompt)'
            cand batch-spawn 'Start sessions for several issues (skips issues that already have one)'
            cand session 'List, kill, clean up and restore sessions'
            cand send 'Send a message to a session''s agent'
            cand status 'Show sessions grouped by what needs attention (local files only)'
            cand open 'Attach to a session''s terminal'
            cand events 'Read the event log'
            cand tick 'One observe-and-react pass over all sessions (run by cron or a timer)'
            cand review 'Review a session''s local PR (local SCM)'
            cand review-check 'Run the review reactions now'
            cand issue 'Manage issues of the plain tracker'
            cand hook 'Receive a hook call from an agent (JSON on stdin). Prints nothing'
            cand notify 'Notification tools'
            cand dashboard 'Render the static HTML dashboard'
            cand doctor 'Check the installation and configuration'
            cand demo 'Run the whole lifecycle on a throwaway repo, offline, in under a minute'
            cand util 'Generate man pages and shell completions'
            cand run-checks 'Internal: the local SCM''s detached check runner'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ao;init'= {
            cand --output 'Output file (default: ./agent-orchestrator.yaml). When it exists, this repository''s project is added to it (or switched to/from `--local`); the old file is kept as `<FILE>.bak`'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --local 'Network-free variant: `plain` tracker and `local` SCM'
            cand --force 'Replace an existing file instead of composing into it (the old one is kept as `<FILE>.bak`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;config'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check 'Validate the config and report problems'
            cand show 'Print the effective config with defaults filled in and secrets redacted'
            cand schema 'Print the JSON Schema of agent-orchestrator.yaml (docs/config.schema.json), for editors: `# yaml-language-server: $schema=<file>` or `$schema:` in the config'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ao;config;check'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --json 'Print a JSON report'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;config;show'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --json 'Print JSON'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;config;schema'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;config;help'= {
            cand check 'Validate the config and report problems'
            cand show 'Print the effective config with defaults filled in and secrets redacted'
            cand schema 'Print the JSON Schema of agent-orchestrator.yaml (docs/config.schema.json), for editors: `# yaml-language-server: $schema=<file>` or `$schema:` in the config'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ao;config;help;check'= {
        }
        &'ao;config;help;show'= {
        }
        &'ao;config;help;schema'= {
        }
        &'ao;config;help;help'= {
        }
        &'ao;spawn'= {
            cand --agent 'Agent plugin (overrides config)'
            cand --runtime 'Runtime plugin (overrides config)'
            cand --prompt 'Task prompt (instead of, or in addition to, the issue)'
            cand --prompt-file 'Read the task prompt from a file (- for stdin); at most 1 MiB'
            cand --branch 'Branch name (default: derived from the issue)'
            cand --host 'Host to run on (ssh runtime; one of runtimeConfig.hosts; default: the host with the fewest live sessions)'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --open 'Attach to the session after starting it'
            cand --force 'Start even if the issue already has a live session'
            cand --json 'Print the new session as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;batch-spawn'= {
            cand --label 'Also spawn every open issue carrying this label (trackers that can list)'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --json 'Print JSON'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;session'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand ls 'List sessions'
            cand kill 'Stop a session, remove its workspace and archive it'
            cand cleanup 'Clean up sessions whose work is merged or closed'
            cand restore 'Re-create a session''s runtime (and workspace if gone) and resume the agent'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ao;session;ls'= {
            cand --project 'Only this project'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --all 'Include archived sessions'
            cand --json 'Print JSON'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;session;kill'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --force 'Remove the workspace even with uncommitted or unpushed work'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;session;cleanup'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --dry-run 'Show what would be cleaned up'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;session;restore'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;session;help'= {
            cand ls 'List sessions'
            cand kill 'Stop a session, remove its workspace and archive it'
            cand cleanup 'Clean up sessions whose work is merged or closed'
            cand restore 'Re-create a session''s runtime (and workspace if gone) and resume the agent'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ao;session;help;ls'= {
        }
        &'ao;session;help;kill'= {
        }
        &'ao;session;help;cleanup'= {
        }
        &'ao;session;help;restore'= {
        }
        &'ao;session;help;help'= {
        }
        &'ao;send'= {
            cand -f 'Read the message from a file'
            cand --file 'Read the message from a file'
            cand --timeout 'Seconds to wait with --wait-idle'
            cand --ready-timeout 'Seconds to wait for a starting agent to show it is ready for input before giving up (text typed into a starting program is lost). A dialog on screen is never waited for without --wait-idle'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --wait-idle 'Wait (bounded) until the agent finished its turn before sending'
            cand --json 'Print the outcome as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;status'= {
            cand --project 'Only this project'
            cand --interval 'Seconds between redraws with --watch'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --json 'Print JSON'
            cand --watch 'Redraw in place every interval'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;open'= {
            cand --project 'With `all`: only this project'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --print 'Only print the attach command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;events'= {
            cand --session 'Only this session'
            cand --project 'Only this project'
            cand --since 'Only events newer than this (e.g. 30m, 2h)'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --json 'Print JSON Lines'
            cand --follow 'Keep printing new events'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;tick'= {
            cand --project 'Only this project'
            cand --session 'Only this session'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --dry-run 'Print the actions that would be taken; change nothing'
            cand --json 'Print a JSON summary'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;review'= {
            cand -m 'Review text; lines like `src/lib.rs:12: text` keep their location'
            cand --message 'Review text; lines like `src/lib.rs:12: text` keep their location'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;review-check'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;issue'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand new 'Create an issue file in the plain tracker''s folder'
            cand ls 'List issues'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ao;issue;new'= {
            cand --project 'Project id (default: the only project)'
            cand --body 'Issue body'
            cand --label 'Labels'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;issue;ls'= {
            cand --project 'Project id (default: the only project)'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --json 'Print JSON'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;issue;help'= {
            cand new 'Create an issue file in the plain tracker''s folder'
            cand ls 'List issues'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ao;issue;help;new'= {
        }
        &'ao;issue;help;ls'= {
        }
        &'ao;issue;help;help'= {
        }
        &'ao;hook'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;notify'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand test 'Send a test notification through the configured routes and report each result'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ao;notify;test'= {
            cand --notifier 'Only this notifier: a name under `notifiers:` or a plugin name (e.g. `desktop`)'
            cand --priority 'Priority to route by and to send with: urgent, action, warning or info'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --json 'Print one JSON object: `{"schemaVersion":1,"priority":…,"results":[{"notifier", "plugin","ok","error"?}]}`'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;notify;help'= {
            cand test 'Send a test notification through the configured routes and report each result'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ao;notify;help;test'= {
        }
        &'ao;notify;help;help'= {
        }
        &'ao;dashboard'= {
            cand --out 'Output file (default: dashboard.path or <dataDir>/dashboard.html)'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --open 'Open it in a browser (xdg-open, or open on macOS)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;doctor'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --json 'Print a JSON report ({"schemaVersion":1,"checks":[{name,status,message,fix}],...})'
            cand --notify 'Also send a test notification through each notifier'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;demo'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand --keep 'Keep the temporary directory'
            cand --json 'Print a JSON summary at the end'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;util'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand man 'Write man pages into a directory: ao.1 plus one page per subcommand (ao-tick.1, ...)'
            cand completions 'Print shell completions to stdout'
            cand exec-env 'Internal (the tmux runtime''s launcher): read the environment from FILE (a JSON object written 0600 by ao), delete FILE, and exec the program with it. Keeps `agentConfig.env` values (API keys) off every command line'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ao;util;man'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;util;completions'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;util;exec-env'= {
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;util;help'= {
            cand man 'Write man pages into a directory: ao.1 plus one page per subcommand (ao-tick.1, ...)'
            cand completions 'Print shell completions to stdout'
            cand exec-env 'Internal (the tmux runtime''s launcher): read the environment from FILE (a JSON object written 0600 by ao), delete FILE, and exec the program with it. Keeps `agentConfig.env` values (API keys) off every command line'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ao;util;help;man'= {
        }
        &'ao;util;help;completions'= {
        }
        &'ao;util;help;exec-env'= {
        }
        &'ao;util;help;help'= {
        }
        &'ao;run-checks'= {
            cand --result 'Result file to write'
            cand --sha 'Head sha being checked'
            cand --cwd 'Workspace to run in'
            cand --config 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ao;help'= {
            cand init 'Write a config for the git repository in the current directory'
            cand config 'Check or show the configuration'
            cand spawn 'Start an agent session on an issue (or a free-form prompt)'
            cand batch-spawn 'Start sessions for several issues (skips issues that already have one)'
            cand session 'List, kill, clean up and restore sessions'
            cand send 'Send a message to a session''s agent'
            cand status 'Show sessions grouped by what needs attention (local files only)'
            cand open 'Attach to a session''s terminal'
            cand events 'Read the event log'
            cand tick 'One observe-and-react pass over all sessions (run by cron or a timer)'
            cand review 'Review a session''s local PR (local SCM)'
            cand review-check 'Run the review reactions now'
            cand issue 'Manage issues of the plain tracker'
            cand hook 'Receive a hook call from an agent (JSON on stdin). Prints nothing'
            cand notify 'Notification tools'
            cand dashboard 'Render the static HTML dashboard'
            cand doctor 'Check the installation and configuration'
            cand demo 'Run the whole lifecycle on a throwaway repo, offline, in under a minute'
            cand util 'Generate man pages and shell completions'
            cand run-checks 'Internal: the local SCM''s detached check runner'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ao;help;init'= {
        }
        &'ao;help;config'= {
            cand check 'Validate the config and report problems'
            cand show 'Print the effective config with defaults filled in and secrets redacted'
            cand schema 'Print the JSON Schema of agent-orchestrator.yaml (docs/config.schema.json), for editors: `# yaml-language-server: $schema=<file>` or `$schema:` in the config'
        }
        &'ao;help;config;check'= {
        }
        &'ao;help;config;show'= {
        }
        &'ao;help;config;schema'= {
        }
        &'ao;help;spawn'= {
        }
        &'ao;help;batch-spawn'= {
        }
        &'ao;help;session'= {
            cand ls 'List sessions'
            cand kill 'Stop a session, remove its workspace and archive it'
            cand cleanup 'Clean up sessions whose work is merged or closed'
            cand restore 'Re-create a session''s runtime (and workspace if gone) and resume the agent'
        }
        &'ao;help;session;ls'= {
        }
        &'ao;help;session;kill'= {
        }
        &'ao;help;session;cleanup'= {
        }
        &'ao;help;session;restore'= {
        }
        &'ao;help;send'= {
        }
        &'ao;help;status'= {
        }
        &'ao;help;open'= {
        }
        &'ao;help;events'= {
        }
        &'ao;help;tick'= {
        }
        &'ao;help;review'= {
        }
        &'ao;help;review-check'= {
        }
        &'ao;help;issue'= {
            cand new 'Create an issue file in the plain tracker''s folder'
            cand ls 'List issues'
        }
        &'ao;help;issue;new'= {
        }
        &'ao;help;issue;ls'= {
        }
        &'ao;help;hook'= {
        }
        &'ao;help;notify'= {
            cand test 'Send a test notification through the configured routes and report each result'
        }
        &'ao;help;notify;test'= {
        }
        &'ao;help;dashboard'= {
        }
        &'ao;help;doctor'= {
        }
        &'ao;help;demo'= {
        }
        &'ao;help;util'= {
            cand man 'Write man pages into a directory: ao.1 plus one page per subcommand (ao-tick.1, ...)'
            cand completions 'Print shell completions to stdout'
            cand exec-env 'Internal (the tmux runtime''s launcher): read the environment from FILE (a JSON object written 0600 by ao), delete FILE, and exec the program with it. Keeps `agentConfig.env` values (API keys) off every command line'
        }
        &'ao;help;util;man'= {
        }
        &'ao;help;util;completions'= {
        }
        &'ao;help;util;exec-env'= {
        }
        &'ao;help;run-checks'= {
        }
        &'ao;help;help'= {
        }
    ]
    $completions[$command]
}
