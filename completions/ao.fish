# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ao_global_optspecs
    string join \n config= h/help V/version
end

function __fish_ao_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ao_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ao_using_subcommand
    set -l cmd (__fish_ao_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ao -n "__fish_ao_needs_command" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_needs_command" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_needs_command" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_needs_command" -f -a "init" -d 'Write a config for the git repository in the current directory'
complete -c ao -n "__fish_ao_needs_command" -f -a "config" -d 'Check or show the configuration'
complete -c ao -n "__fish_ao_needs_command" -f -a "spawn" -d 'Start an agent session on an issue (or a free-form prompt)'
complete -c ao -n "__fish_ao_needs_command" -f -a "batch-spawn" -d 'Start sessions for several issues (skips issues that already have one)'
complete -c ao -n "__fish_ao_needs_command" -f -a "session" -d 'List, kill, clean up and restore sessions'
complete -c ao -n "__fish_ao_needs_command" -f -a "send" -d 'Send a message to a session\'s agent'
complete -c ao -n "__fish_ao_needs_command" -f -a "status" -d 'Show sessions grouped by what needs attention (local files only)'
complete -c ao -n "__fish_ao_needs_command" -f -a "open" -d 'Attach to a session\'s terminal'
complete -c ao -n "__fish_ao_needs_command" -f -a "events" -d 'Read the event log'
complete -c ao -n "__fish_ao_needs_command" -f -a "tick" -d 'One observe-and-react pass over all sessions (run by cron or a timer)'
complete -c ao -n "__fish_ao_needs_command" -f -a "review" -d 'Review a session\'s local PR (local SCM)'
complete -c ao -n "__fish_ao_needs_command" -f -a "review-check" -d 'Run the review reactions now'
complete -c ao -n "__fish_ao_needs_command" -f -a "issue" -d 'Manage issues of the plain tracker'
complete -c ao -n "__fish_ao_needs_command" -f -a "hook" -d 'Receive a hook call from an agent (JSON on stdin). Prints nothing'
complete -c ao -n "__fish_ao_needs_command" -f -a "notify" -d 'Notification tools'
complete -c ao -n "__fish_ao_needs_command" -f -a "dashboard" -d 'Render the static HTML dashboard'
complete -c ao -n "__fish_ao_needs_command" -f -a "doctor" -d 'Check the installation and configuration'
complete -c ao -n "__fish_ao_needs_command" -f -a "demo" -d 'Run the whole lifecycle on a throwaway repo, offline, in under a minute'
complete -c ao -n "__fish_ao_needs_command" -f -a "util" -d 'Generate man pages and shell completions'
complete -c ao -n "__fish_ao_needs_command" -f -a "run-checks" -d 'Internal: the local SCM\'s detached check runner'
complete -c ao -n "__fish_ao_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ao -n "__fish_ao_using_subcommand init" -l output -d 'Output file (default: ./agent-orchestrator.yaml). When it exists, this repository\'s project is added to it (or switched to/from `--local`); the old file is kept as `<FILE>.bak`' -r -F
complete -c ao -n "__fish_ao_using_subcommand init" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand init" -l local -d 'Network-free variant: `plain` tracker and `local` SCM'
complete -c ao -n "__fish_ao_using_subcommand init" -l force -d 'Replace an existing file instead of composing into it (the old one is kept as `<FILE>.bak`)'
complete -c ao -n "__fish_ao_using_subcommand init" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand init" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand config; and not __fish_seen_subcommand_from check show schema help" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand config; and not __fish_seen_subcommand_from check show schema help" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand config; and not __fish_seen_subcommand_from check show schema help" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand config; and not __fish_seen_subcommand_from check show schema help" -f -a "check" -d 'Validate the config and report problems'
complete -c ao -n "__fish_ao_using_subcommand config; and not __fish_seen_subcommand_from check show schema help" -f -a "show" -d 'Print the effective config with defaults filled in and secrets redacted'
complete -c ao -n "__fish_ao_using_subcommand config; and not __fish_seen_subcommand_from check show schema help" -f -a "schema" -d 'Print the JSON Schema of agent-orchestrator.yaml (docs/config.schema.json), for editors: `# yaml-language-server: $schema=<file>` or `$schema:` in the config'
complete -c ao -n "__fish_ao_using_subcommand config; and not __fish_seen_subcommand_from check show schema help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from check" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from check" -l json -d 'Print a JSON report'
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Print JSON'
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from schema" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from schema" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from schema" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate the config and report problems'
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the effective config with defaults filled in and secrets redacted'
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "schema" -d 'Print the JSON Schema of agent-orchestrator.yaml (docs/config.schema.json), for editors: `# yaml-language-server: $schema=<file>` or `$schema:` in the config'
complete -c ao -n "__fish_ao_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ao -n "__fish_ao_using_subcommand spawn" -l agent -d 'Agent plugin (overrides config)' -r
complete -c ao -n "__fish_ao_using_subcommand spawn" -l runtime -d 'Runtime plugin (overrides config)' -r
complete -c ao -n "__fish_ao_using_subcommand spawn" -l prompt -d 'Task prompt (instead of, or in addition to, the issue)' -r
complete -c ao -n "__fish_ao_using_subcommand spawn" -l prompt-file -d 'Read the task prompt from a file (- for stdin); at most 1 MiB' -r -F
complete -c ao -n "__fish_ao_using_subcommand spawn" -l branch -d 'Branch name (default: derived from the issue)' -r
complete -c ao -n "__fish_ao_using_subcommand spawn" -l host -d 'Host to run on (ssh runtime; one of runtimeConfig.hosts; default: the host with the fewest live sessions)' -r
complete -c ao -n "__fish_ao_using_subcommand spawn" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand spawn" -l open -d 'Attach to the session after starting it'
complete -c ao -n "__fish_ao_using_subcommand spawn" -l force -d 'Start even if the issue already has a live session'
complete -c ao -n "__fish_ao_using_subcommand spawn" -l json -d 'Print the new session as JSON'
complete -c ao -n "__fish_ao_using_subcommand spawn" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand spawn" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand batch-spawn" -l label -d 'Also spawn every open issue carrying this label (trackers that can list)' -r
complete -c ao -n "__fish_ao_using_subcommand batch-spawn" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand batch-spawn" -l json -d 'Print JSON'
complete -c ao -n "__fish_ao_using_subcommand batch-spawn" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand batch-spawn" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand session; and not __fish_seen_subcommand_from ls kill cleanup restore help" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand session; and not __fish_seen_subcommand_from ls kill cleanup restore help" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand session; and not __fish_seen_subcommand_from ls kill cleanup restore help" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand session; and not __fish_seen_subcommand_from ls kill cleanup restore help" -f -a "ls" -d 'List sessions'
complete -c ao -n "__fish_ao_using_subcommand session; and not __fish_seen_subcommand_from ls kill cleanup restore help" -f -a "kill" -d 'Stop a session, remove its workspace and archive it'
complete -c ao -n "__fish_ao_using_subcommand session; and not __fish_seen_subcommand_from ls kill cleanup restore help" -f -a "cleanup" -d 'Clean up sessions whose work is merged or closed'
complete -c ao -n "__fish_ao_using_subcommand session; and not __fish_seen_subcommand_from ls kill cleanup restore help" -f -a "restore" -d 'Re-create a session\'s runtime (and workspace if gone) and resume the agent'
complete -c ao -n "__fish_ao_using_subcommand session; and not __fish_seen_subcommand_from ls kill cleanup restore help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from ls" -l project -d 'Only this project' -r
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from ls" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from ls" -l all -d 'Include archived sessions'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from ls" -l json -d 'Print JSON'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from kill" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from kill" -l force -d 'Remove the workspace even with uncommitted or unpushed work'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from kill" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from cleanup" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from cleanup" -l dry-run -d 'Show what would be cleaned up'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from cleanup" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from cleanup" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from restore" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from restore" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List sessions'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "kill" -d 'Stop a session, remove its workspace and archive it'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "cleanup" -d 'Clean up sessions whose work is merged or closed'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Re-create a session\'s runtime (and workspace if gone) and resume the agent'
complete -c ao -n "__fish_ao_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ao -n "__fish_ao_using_subcommand send" -s f -l file -d 'Read the message from a file' -r -F
complete -c ao -n "__fish_ao_using_subcommand send" -l timeout -d 'Seconds to wait with --wait-idle' -r
complete -c ao -n "__fish_ao_using_subcommand send" -l ready-timeout -d 'Seconds to wait for a starting agent to show it is ready for input before giving up (text typed into a starting program is lost). A dialog on screen is never waited for without --wait-idle' -r
complete -c ao -n "__fish_ao_using_subcommand send" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand send" -l wait-idle -d 'Wait (bounded) until the agent finished its turn before sending'
complete -c ao -n "__fish_ao_using_subcommand send" -l json -d 'Print the outcome as JSON'
complete -c ao -n "__fish_ao_using_subcommand send" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand send" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand status" -l project -d 'Only this project' -r
complete -c ao -n "__fish_ao_using_subcommand status" -l interval -d 'Seconds between redraws with --watch' -r
complete -c ao -n "__fish_ao_using_subcommand status" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand status" -l json -d 'Print JSON'
complete -c ao -n "__fish_ao_using_subcommand status" -l watch -d 'Redraw in place every interval'
complete -c ao -n "__fish_ao_using_subcommand status" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand status" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand open" -l project -d 'With `all`: only this project' -r
complete -c ao -n "__fish_ao_using_subcommand open" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand open" -l print -d 'Only print the attach command'
complete -c ao -n "__fish_ao_using_subcommand open" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand open" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand events" -l session -d 'Only this session' -r
complete -c ao -n "__fish_ao_using_subcommand events" -l project -d 'Only this project' -r
complete -c ao -n "__fish_ao_using_subcommand events" -l since -d 'Only events newer than this (e.g. 30m, 2h)' -r
complete -c ao -n "__fish_ao_using_subcommand events" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand events" -l json -d 'Print JSON Lines'
complete -c ao -n "__fish_ao_using_subcommand events" -l follow -d 'Keep printing new events'
complete -c ao -n "__fish_ao_using_subcommand events" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand events" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand tick" -l project -d 'Only this project' -r
complete -c ao -n "__fish_ao_using_subcommand tick" -l session -d 'Only this session' -r
complete -c ao -n "__fish_ao_using_subcommand tick" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand tick" -l dry-run -d 'Print the actions that would be taken; change nothing'
complete -c ao -n "__fish_ao_using_subcommand tick" -l json -d 'Print a JSON summary'
complete -c ao -n "__fish_ao_using_subcommand tick" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand tick" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand review" -s m -l message -d 'Review text; lines like `src/lib.rs:12: text` keep their location' -r
complete -c ao -n "__fish_ao_using_subcommand review" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand review" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ao -n "__fish_ao_using_subcommand review" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand review-check" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand review-check" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand review-check" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand issue; and not __fish_seen_subcommand_from new ls help" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand issue; and not __fish_seen_subcommand_from new ls help" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand issue; and not __fish_seen_subcommand_from new ls help" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand issue; and not __fish_seen_subcommand_from new ls help" -f -a "new" -d 'Create an issue file in the plain tracker\'s folder'
complete -c ao -n "__fish_ao_using_subcommand issue; and not __fish_seen_subcommand_from new ls help" -f -a "ls" -d 'List issues'
complete -c ao -n "__fish_ao_using_subcommand issue; and not __fish_seen_subcommand_from new ls help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ao -n "__fish_ao_using_subcommand issue; and __fish_seen_subcommand_from new" -l project -d 'Project id (default: the only project)' -r
complete -c ao -n "__fish_ao_using_subcommand issue; and __fish_seen_subcommand_from new" -l body -d 'Issue body' -r
complete -c ao -n "__fish_ao_using_subcommand issue; and __fish_seen_subcommand_from new" -l label -d 'Labels' -r
complete -c ao -n "__fish_ao_using_subcommand issue; and __fish_seen_subcommand_from new" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand issue; and __fish_seen_subcommand_from new" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand issue; and __fish_seen_subcommand_from new" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand issue; and __fish_seen_subcommand_from ls" -l project -d 'Project id (default: the only project)' -r
complete -c ao -n "__fish_ao_using_subcommand issue; and __fish_seen_subcommand_from ls" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand issue; and __fish_seen_subcommand_from ls" -l json -d 'Print JSON'
complete -c ao -n "__fish_ao_using_subcommand issue; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand issue; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand issue; and __fish_seen_subcommand_from help" -f -a "new" -d 'Create an issue file in the plain tracker\'s folder'
complete -c ao -n "__fish_ao_using_subcommand issue; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List issues'
complete -c ao -n "__fish_ao_using_subcommand issue; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ao -n "__fish_ao_using_subcommand hook" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand hook" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand hook" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand notify; and not __fish_seen_subcommand_from test help" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand notify; and not __fish_seen_subcommand_from test help" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand notify; and not __fish_seen_subcommand_from test help" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand notify; and not __fish_seen_subcommand_from test help" -f -a "test" -d 'Send a test notification through the configured routes and report each result'
complete -c ao -n "__fish_ao_using_subcommand notify; and not __fish_seen_subcommand_from test help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ao -n "__fish_ao_using_subcommand notify; and __fish_seen_subcommand_from test" -l notifier -d 'Only this notifier: a name under `notifiers:` or a plugin name (e.g. `desktop`)' -r
complete -c ao -n "__fish_ao_using_subcommand notify; and __fish_seen_subcommand_from test" -l priority -d 'Priority to route by and to send with: urgent, action, warning or info' -r
complete -c ao -n "__fish_ao_using_subcommand notify; and __fish_seen_subcommand_from test" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand notify; and __fish_seen_subcommand_from test" -l json -d 'Print one JSON object: `{"schemaVersion":1,"priority":…,"results":[{"notifier", "plugin","ok","error"?}]}`'
complete -c ao -n "__fish_ao_using_subcommand notify; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ao -n "__fish_ao_using_subcommand notify; and __fish_seen_subcommand_from test" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand notify; and __fish_seen_subcommand_from help" -f -a "test" -d 'Send a test notification through the configured routes and report each result'
complete -c ao -n "__fish_ao_using_subcommand notify; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ao -n "__fish_ao_using_subcommand dashboard" -l out -d 'Output file (default: dashboard.path or <dataDir>/dashboard.html)' -r -F
complete -c ao -n "__fish_ao_using_subcommand dashboard" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand dashboard" -l open -d 'Open it in a browser (xdg-open, or open on macOS)'
complete -c ao -n "__fish_ao_using_subcommand dashboard" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand dashboard" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand doctor" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand doctor" -l json -d 'Print a JSON report ({"schemaVersion":1,"checks":[{name,status,message,fix}],...})'
complete -c ao -n "__fish_ao_using_subcommand doctor" -l notify -d 'Also send a test notification through each notifier'
complete -c ao -n "__fish_ao_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand demo" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand demo" -l keep -d 'Keep the temporary directory'
complete -c ao -n "__fish_ao_using_subcommand demo" -l json -d 'Print a JSON summary at the end'
complete -c ao -n "__fish_ao_using_subcommand demo" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand demo" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand util; and not __fish_seen_subcommand_from man completions exec-env help" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand util; and not __fish_seen_subcommand_from man completions exec-env help" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand util; and not __fish_seen_subcommand_from man completions exec-env help" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand util; and not __fish_seen_subcommand_from man completions exec-env help" -f -a "man" -d 'Write man pages into a directory: ao.1 plus one page per subcommand (ao-tick.1, ...)'
complete -c ao -n "__fish_ao_using_subcommand util; and not __fish_seen_subcommand_from man completions exec-env help" -f -a "completions" -d 'Print shell completions to stdout'
complete -c ao -n "__fish_ao_using_subcommand util; and not __fish_seen_subcommand_from man completions exec-env help" -f -a "exec-env" -d 'Internal (the tmux runtime\'s launcher): read the environment from FILE (a JSON object written 0600 by ao), delete FILE, and exec the program with it. Keeps `agentConfig.env` values (API keys) off every command line'
complete -c ao -n "__fish_ao_using_subcommand util; and not __fish_seen_subcommand_from man completions exec-env help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ao -n "__fish_ao_using_subcommand util; and __fish_seen_subcommand_from man" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand util; and __fish_seen_subcommand_from man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ao -n "__fish_ao_using_subcommand util; and __fish_seen_subcommand_from man" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand util; and __fish_seen_subcommand_from completions" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand util; and __fish_seen_subcommand_from completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ao -n "__fish_ao_using_subcommand util; and __fish_seen_subcommand_from completions" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand util; and __fish_seen_subcommand_from exec-env" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand util; and __fish_seen_subcommand_from exec-env" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand util; and __fish_seen_subcommand_from exec-env" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand util; and __fish_seen_subcommand_from help" -f -a "man" -d 'Write man pages into a directory: ao.1 plus one page per subcommand (ao-tick.1, ...)'
complete -c ao -n "__fish_ao_using_subcommand util; and __fish_seen_subcommand_from help" -f -a "completions" -d 'Print shell completions to stdout'
complete -c ao -n "__fish_ao_using_subcommand util; and __fish_seen_subcommand_from help" -f -a "exec-env" -d 'Internal (the tmux runtime\'s launcher): read the environment from FILE (a JSON object written 0600 by ao), delete FILE, and exec the program with it. Keeps `agentConfig.env` values (API keys) off every command line'
complete -c ao -n "__fish_ao_using_subcommand util; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ao -n "__fish_ao_using_subcommand run-checks" -l result -d 'Result file to write' -r -F
complete -c ao -n "__fish_ao_using_subcommand run-checks" -l sha -d 'Head sha being checked' -r
complete -c ao -n "__fish_ao_using_subcommand run-checks" -l cwd -d 'Workspace to run in' -r -F
complete -c ao -n "__fish_ao_using_subcommand run-checks" -l config -d 'Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent directory, then ~/.agent-orchestrator/config.yaml)' -r -F
complete -c ao -n "__fish_ao_using_subcommand run-checks" -s h -l help -d 'Print help'
complete -c ao -n "__fish_ao_using_subcommand run-checks" -s V -l version -d 'Print version'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "init" -d 'Write a config for the git repository in the current directory'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "config" -d 'Check or show the configuration'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "spawn" -d 'Start an agent session on an issue (or a free-form prompt)'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "batch-spawn" -d 'Start sessions for several issues (skips issues that already have one)'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "session" -d 'List, kill, clean up and restore sessions'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "send" -d 'Send a message to a session\'s agent'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "status" -d 'Show sessions grouped by what needs attention (local files only)'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "open" -d 'Attach to a session\'s terminal'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "events" -d 'Read the event log'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "tick" -d 'One observe-and-react pass over all sessions (run by cron or a timer)'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "review" -d 'Review a session\'s local PR (local SCM)'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "review-check" -d 'Run the review reactions now'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "issue" -d 'Manage issues of the plain tracker'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "hook" -d 'Receive a hook call from an agent (JSON on stdin). Prints nothing'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "notify" -d 'Notification tools'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "dashboard" -d 'Render the static HTML dashboard'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "doctor" -d 'Check the installation and configuration'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "demo" -d 'Run the whole lifecycle on a throwaway repo, offline, in under a minute'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "util" -d 'Generate man pages and shell completions'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "run-checks" -d 'Internal: the local SCM\'s detached check runner'
complete -c ao -n "__fish_ao_using_subcommand help; and not __fish_seen_subcommand_from init config spawn batch-spawn session send status open events tick review review-check issue hook notify dashboard doctor demo util run-checks help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ao -n "__fish_ao_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Validate the config and report problems'
complete -c ao -n "__fish_ao_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective config with defaults filled in and secrets redacted'
complete -c ao -n "__fish_ao_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "schema" -d 'Print the JSON Schema of agent-orchestrator.yaml (docs/config.schema.json), for editors: `# yaml-language-server: $schema=<file>` or `$schema:` in the config'
complete -c ao -n "__fish_ao_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "ls" -d 'List sessions'
complete -c ao -n "__fish_ao_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "kill" -d 'Stop a session, remove its workspace and archive it'
complete -c ao -n "__fish_ao_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "cleanup" -d 'Clean up sessions whose work is merged or closed'
complete -c ao -n "__fish_ao_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "restore" -d 'Re-create a session\'s runtime (and workspace if gone) and resume the agent'
complete -c ao -n "__fish_ao_using_subcommand help; and __fish_seen_subcommand_from issue" -f -a "new" -d 'Create an issue file in the plain tracker\'s folder'
complete -c ao -n "__fish_ao_using_subcommand help; and __fish_seen_subcommand_from issue" -f -a "ls" -d 'List issues'
complete -c ao -n "__fish_ao_using_subcommand help; and __fish_seen_subcommand_from notify" -f -a "test" -d 'Send a test notification through the configured routes and report each result'
complete -c ao -n "__fish_ao_using_subcommand help; and __fish_seen_subcommand_from util" -f -a "man" -d 'Write man pages into a directory: ao.1 plus one page per subcommand (ao-tick.1, ...)'
complete -c ao -n "__fish_ao_using_subcommand help; and __fish_seen_subcommand_from util" -f -a "completions" -d 'Print shell completions to stdout'
complete -c ao -n "__fish_ao_using_subcommand help; and __fish_seen_subcommand_from util" -f -a "exec-env" -d 'Internal (the tmux runtime\'s launcher): read the environment from FILE (a JSON object written 0600 by ao), delete FILE, and exec the program with it. Keeps `agentConfig.env` values (API keys) off every command line'
