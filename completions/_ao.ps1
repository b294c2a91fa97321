
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'ao' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'ao'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'ao' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a config for the git repository in the current directory')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Check or show the configuration')
            [CompletionResult]::new('spawn', 'spawn', [CompletionResultType]::ParameterValue, 'Start an agent session on an issue (or a free-form prompt)')
            [CompletionResult]::new('batch-spawn', 'batch-spawn', [CompletionResultType]::ParameterValue, 'Start sessions for several issues (skips issues that already have one)')
            [CompletionResult]::new('session', 'session', [CompletionResultType]::ParameterValue, 'List, kill, clean up and restore sessions')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send a message to a session''s agent')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show sessions grouped by what needs attention (local files only)')
            [CompletionResult]::new('open', 'open', [CompletionResultType]::ParameterValue, 'Attach to a session''s terminal')
            [CompletionResult]::new('events', 'events', [CompletionResultType]::ParameterValue, 'Read the event log')
            [CompletionResult]::new('tick', 'tick', [CompletionResultType]::ParameterValue, 'One observe-and-react pass over all sessions (run by cron or a timer)')
            [CompletionResult]::new('review', 'review', [CompletionResultType]::ParameterValue, 'Review a session''s local PR (local SCM)')
            [CompletionResult]::new('review-check', 'review-check', [CompletionResultType]::ParameterValue, 'Run the review reactions now')
            [CompletionResult]::new('issue', 'issue', [CompletionResultType]::ParameterValue, 'Manage issues of the plain tracker')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Receive a hook call from an agent (JSON on stdin). Prints nothing')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Notification tools')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'Render the static HTML dashboard')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the installation and configuration')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole lifecycle on a throwaway repo, offline, in under a minute')
            [CompletionResult]::new('util', 'util', [CompletionResultType]::ParameterValue, 'Generate man pages and shell completions')
            [CompletionResult]::new('run-checks', 'run-checks', [CompletionResultType]::ParameterValue, 'Internal: the local SCM''s detached check runner')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ao;init' {
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output file (default: ./agent-orchestrator.yaml). When it exists, this repository''s project is added to it (or switched to/from `--local`); the old file is kept as `<FILE>.bak`')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Network-free variant: `plain` tracker and `local` SCM')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing file instead of composing into it (the old one is kept as `<FILE>.bak`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the config and report problems')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective config with defaults filled in and secrets redacted')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of agent-orchestrator.yaml (docs/config.schema.json), for editors: `# yaml-language-server: $schema=<file>` or `$schema:` in the config')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ao;config;check' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON report')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;config;show' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;config;schema' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;config;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the config and report problems')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective config with defaults filled in and secrets redacted')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of agent-orchestrator.yaml (docs/config.schema.json), for editors: `# yaml-language-server: $schema=<file>` or `$schema:` in the config')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ao;config;help;check' {
            break
        }
        'ao;config;help;show' {
            break
        }
        'ao;config;help;schema' {
            break
        }
        'ao;config;help;help' {
            break
        }
        'ao;spawn' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Agent plugin (overrides config)')
            [CompletionResult]::new('--runtime', '--runtime', [CompletionResultType]::ParameterName, 'Runtime plugin (overrides config)')
            [CompletionResult]::new('--prompt', '--prompt', [CompletionResultType]::ParameterName, 'Task prompt (instead of, or in addition to, the issue)')
            [CompletionResult]::new('--prompt-file', '--prompt-file', [CompletionResultType]::ParameterName, 'Read the task prompt from a file (- for stdin); at most 1 MiB')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'Branch name (default: derived from the issue)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host to run on (ssh runtime; one of runtimeConfig.hosts; default: the host with the fewest live sessions)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--open', '--open', [CompletionResultType]::ParameterName, 'Attach to the session after starting it')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Start even if the issue already has a live session')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the new session as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;batch-spawn' {
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Also spawn every open issue carrying this label (trackers that can list)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;session' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List sessions')
            [CompletionResult]::new('kill', 'kill', [CompletionResultType]::ParameterValue, 'Stop a session, remove its workspace and archive it')
            [CompletionResult]::new('cleanup', 'cleanup', [CompletionResultType]::ParameterValue, 'Clean up sessions whose work is merged or closed')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Re-create a session''s runtime (and workspace if gone) and resume the agent')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ao;session;ls' {
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Only this project')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Include archived sessions')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;session;kill' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Remove the workspace even with uncommitted or unpushed work')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;session;cleanup' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be cleaned up')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;session;restore' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;session;help' {
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List sessions')
            [CompletionResult]::new('kill', 'kill', [CompletionResultType]::ParameterValue, 'Stop a session, remove its workspace and archive it')
            [CompletionResult]::new('cleanup', 'cleanup', [CompletionResultType]::ParameterValue, 'Clean up sessions whose work is merged or closed')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Re-create a session''s runtime (and workspace if gone) and resume the agent')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ao;session;help;ls' {
            break
        }
        'ao;session;help;kill' {
            break
        }
        'ao;session;help;cleanup' {
            break
        }
        'ao;session;help;restore' {
            break
        }
        'ao;session;help;help' {
            break
        }
        'ao;send' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read the message from a file')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read the message from a file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait with --wait-idle')
            [CompletionResult]::new('--ready-timeout', '--ready-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a starting agent to show it is ready for input before giving up (text typed into a starting program is lost). A dialog on screen is never waited for without --wait-idle')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--wait-idle', '--wait-idle', [CompletionResultType]::ParameterName, 'Wait (bounded) until the agent finished its turn before sending')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the outcome as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;status' {
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Only this project')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Seconds between redraws with --watch')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Redraw in place every interval')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;open' {
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'With `all`: only this project')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Only print the attach command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;events' {
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'Only this session')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Only this project')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only events newer than this (e.g. 30m, 2h)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing new events')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;tick' {
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Only this project')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'Only this session')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the actions that would be taken; change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON summary')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;review' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Review text; lines like `src/lib.rs:12: text` keep their location')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'Review text; lines like `src/lib.rs:12: text` keep their location')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;review-check' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;issue' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Create an issue file in the plain tracker''s folder')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List issues')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ao;issue;new' {
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Project id (default: the only project)')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'Issue body')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Labels')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;issue;ls' {
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Project id (default: the only project)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;issue;help' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Create an issue file in the plain tracker''s folder')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List issues')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ao;issue;help;new' {
            break
        }
        'ao;issue;help;ls' {
            break
        }
        'ao;issue;help;help' {
            break
        }
        'ao;hook' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;notify' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Send a test notification through the configured routes and report each result')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ao;notify;test' {
            [CompletionResult]::new('--notifier', '--notifier', [CompletionResultType]::ParameterName, 'Only this notifier: a name under `notifiers:` or a plugin name (e.g. `desktop`)')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'Priority to route by and to send with: urgent, action, warning or info')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object: `{"schemaVersion":1,"priority":…,"results":[{"notifier", "plugin","ok","error"?}]}`')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;notify;help' {
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Send a test notification through the configured routes and report each result')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ao;notify;help;test' {
            break
        }
        'ao;notify;help;help' {
            break
        }
        'ao;dashboard' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Output file (default: dashboard.path or <dataDir>/dashboard.html)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--open', '--open', [CompletionResultType]::ParameterName, 'Open it in a browser (xdg-open, or open on macOS)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;doctor' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON report ({"schemaVersion":1,"checks":[{name,status,message,fix}],...})')
            [CompletionResult]::new('--notify', '--notify', [CompletionResultType]::ParameterName, 'Also send a test notification through each notifier')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;demo' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep the temporary directory')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON summary at the end')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;util' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages into a directory: ao.1 plus one page per subcommand (ao-tick.1, ...)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions to stdout')
            [CompletionResult]::new('exec-env', 'exec-env', [CompletionResultType]::ParameterValue, 'Internal (the tmux runtime''s launcher): read the environment from FILE (a JSON object written 0600 by ao), delete FILE, and exec the program with it. Keeps `agentConfig.env` values (API keys) off every command line')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ao;util;man' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;util;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;util;exec-env' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;util;help' {
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages into a directory: ao.1 plus one page per subcommand (ao-tick.1, ...)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions to stdout')
            [CompletionResult]::new('exec-env', 'exec-env', [CompletionResultType]::ParameterValue, 'Internal (the tmux runtime''s launcher): read the environment from FILE (a JSON object written 0600 by ao), delete FILE, and exec the program with it. Keeps `agentConfig.env` values (API keys) off every command line')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ao;util;help;man' {
            break
        }
        'ao;util;help;completions' {
            break
        }
        'ao;util;help;exec-env' {
            break
        }
        'ao;util;help;help' {
            break
        }
        'ao;run-checks' {
            [CompletionResult]::new('--result', '--result', [CompletionResultType]::ParameterName, 'Result file to write')
            [CompletionResult]::new('--sha', '--sha', [CompletionResultType]::ParameterName, 'Head sha being checked')
            [CompletionResult]::new('--cwd', '--cwd', [CompletionResultType]::ParameterName, 'Workspace to run in')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ao;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a config for the git repository in the current directory')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Check or show the configuration')
            [CompletionResult]::new('spawn', 'spawn', [CompletionResultType]::ParameterValue, 'Start an agent session on an issue (or a free-form prompt)')
            [CompletionResult]::new('batch-spawn', 'batch-spawn', [CompletionResultType]::ParameterValue, 'Start sessions for several issues (skips issues that already have one)')
            [CompletionResult]::new('session', 'session', [CompletionResultType]::ParameterValue, 'List, kill, clean up and restore sessions')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send a message to a session''s agent')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show sessions grouped by what needs attention (local files only)')
            [CompletionResult]::new('open', 'open', [CompletionResultType]::ParameterValue, 'Attach to a session''s terminal')
            [CompletionResult]::new('events', 'events', [CompletionResultType]::ParameterValue, 'Read the event log')
            [CompletionResult]::new('tick', 'tick', [CompletionResultType]::ParameterValue, 'One observe-and-react pass over all sessions (run by cron or a timer)')
            [CompletionResult]::new('review', 'review', [CompletionResultType]::ParameterValue, 'Review a session''s local PR (local SCM)')
            [CompletionResult]::new('review-check', 'review-check', [CompletionResultType]::ParameterValue, 'Run the review reactions now')
            [CompletionResult]::new('issue', 'issue', [CompletionResultType]::ParameterValue, 'Manage issues of the plain tracker')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Receive a hook call from an agent (JSON on stdin). Prints nothing')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Notification tools')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'Render the static HTML dashboard')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the installation and configuration')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole lifecycle on a throwaway repo, offline, in under a minute')
            [CompletionResult]::new('util', 'util', [CompletionResultType]::ParameterValue, 'Generate man pages and shell completions')
            [CompletionResult]::new('run-checks', 'run-checks', [CompletionResultType]::ParameterValue, 'Internal: the local SCM''s detached check runner')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ao;help;init' {
            break
        }
        'ao;help;config' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the config and report problems')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective config with defaults filled in and secrets redacted')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of agent-orchestrator.yaml (docs/config.schema.json), for editors: `# yaml-language-server: $schema=<file>` or `$schema:` in the config')
            break
        }
        'ao;help;config;check' {
            break
        }
        'ao;help;config;show' {
            break
        }
        'ao;help;config;schema' {
            break
        }
        'ao;help;spawn' {
            break
        }
        'ao;help;batch-spawn' {
            break
        }
        'ao;help;session' {
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List sessions')
            [CompletionResult]::new('kill', 'kill', [CompletionResultType]::ParameterValue, 'Stop a session, remove its workspace and archive it')
            [CompletionResult]::new('cleanup', 'cleanup', [CompletionResultType]::ParameterValue, 'Clean up sessions whose work is merged or closed')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Re-create a session''s runtime (and workspace if gone) and resume the agent')
            break
        }
        'ao;help;session;ls' {
            break
        }
        'ao;help;session;kill' {
            break
        }
        'ao;help;session;cleanup' {
            break
        }
        'ao;help;session;restore' {
            break
        }
        'ao;help;send' {
            break
        }
        'ao;help;status' {
            break
        }
        'ao;help;open' {
            break
        }
        'ao;help;events' {
            break
        }
        'ao;help;tick' {
            break
        }
        'ao;help;review' {
            break
        }
        'ao;help;review-check' {
            break
        }
        'ao;help;issue' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Create an issue file in the plain tracker''s folder')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List issues')
            break
        }
        'ao;help;issue;new' {
            break
        }
        'ao;help;issue;ls' {
            break
        }
        'ao;help;hook' {
            break
        }
        'ao;help;notify' {
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Send a test notification through the configured routes and report each result')
            break
        }
        'ao;help;notify;test' {
            break
        }
        'ao;help;dashboard' {
            break
        }
        'ao;help;doctor' {
            break
        }
        'ao;help;demo' {
            break
        }
        'ao;help;util' {
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages into a directory: ao.1 plus one page per subcommand (ao-tick.1, ...)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions to stdout')
            [CompletionResult]::new('exec-env', 'exec-env', [CompletionResultType]::ParameterValue, 'Internal (the tmux runtime''s launcher): read the environment from FILE (a JSON object written 0600 by ao), delete FILE, and exec the program with it. Keeps `agentConfig.env` values (API keys) off every command line')
            break
        }
        'ao;help;util;man' {
            break
        }
        'ao;help;util;completions' {
            break
        }
        'ao;help;util;exec-env' {
            break
        }
        'ao;help;run-checks' {
            break
        }
        'ao;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
