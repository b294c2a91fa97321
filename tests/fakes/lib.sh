# Shared engine of the fake agents (bash only; no python, no jq).
#
# A fake agent reproduces what ao observes of a real one: the screens it draws, the
# transcript lines it writes (in the real format), the hook calls it makes. It follows a
# script named by $FAKE_SCRIPT, one step a line:
#
#   screen NAME        clear and draw the agent's screen NAME (screen_NAME in the agent)
#   key                wait for one key press on the terminal (answers a dialog)
#   submit             the task prompt from the command line is submitted: logged as
#                      "submitted: <first line>", agent-specific effects (hooks, transcript)
#   hook EVENT [JSON]  run the agent's hook for EVENT; JSON is extra payload fields
#                      without braces ("tool_name":"Bash")
#   transcript KIND    append a transcript/rollout line of KIND
#   mark NAME          log "mark NAME <epoch ms>" (tests time what follows)
#   sleep SECS         pause (no child process: the pane keeps the agent's name)
#   exit CODE          exit
#
# After the last step the fake reads input lines forever (an idle composer), logging
# each as "input: <line>". Everything is logged to $FAKE_LOG.

set -u

# Run under the agent's own name: tmux reports a pane's command from the first word of
# the foreground process's command line, and ao matches it against the agent's process
# names ("claude", "codex", …), so `bash fake-script` must look like `claude`.
if [[ -z ${FAKE_NAMED:-} ]]; then
	export FAKE_NAMED=1
	exec -a "${0##*/}" bash "$0" "$@"
fi
unset FAKE_NAMED

FAKE_LOG=${FAKE_LOG:-/dev/null}
exec {FAKE_SLEEP_FD}<> <(:)

log() { printf '%s\n' "$*" >>"$FAKE_LOG"; }

now_ms() {
	local s=${EPOCHREALTIME/./}
	printf '%s' "${s:0:13}"
}

pause() { read -r -t "$1" -u "$FAKE_SLEEP_FD" _ || true; }

clear_screen() { printf '\033[3J\033[2J\033[H'; }

# Draws the text on stdin after clearing the screen.
draw() {
	clear_screen
	local line
	while IFS= read -r line; do printf '%s\n' "$line"; done
}

# Escapes a string for a JSON string literal (backslash, quote, control characters).
json_str() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\n'/\\n}
	s=${s//$'\t'/\\t}
	s=${s//$'\r'/\\r}
	printf '"%s"' "$s"
}

# Logs the command line, one argument a line.
log_argv() {
	local a
	log "argv0: $0"
	for a in "$@"; do log "arg: $a"; done
}

run_script() {
	local script=${FAKE_SCRIPT:-}
	if [[ -n $script && -f $script ]]; then
		local step args sfd
		exec {sfd}<"$script"
		while read -r -u "$sfd" step args || [[ -n $step ]]; do
			case $step in
			'' | '#'*) ;;
			screen) "screen_$args" ;;
			key)
				local k
				IFS= read -rsn1 k
				log "key"
				;;
			submit)
				log "submitted: ${FAKE_PROMPT%%$'\n'*}"
				on_submit
				;;
			hook)
				local ev=${args%% *} extra=
				[[ $args == *' '* ]] && extra=${args#* }
				log "mark hook-$ev $(now_ms)"
				run_hook "$ev" "$extra"
				log "hooked $ev $(now_ms)"
				;;
			transcript) write_transcript "$args" ;;
			mark) log "mark $args $(now_ms)" ;;
			sleep) pause "$args" ;;
			exit) exit "$args" ;;
			*) log "unknown step: $step" ;;
			esac
		done
	fi
	local input
	while :; do
		if IFS= read -r input; then
			log "input: $input"
			on_input "$input"
		else
			pause 1
		fi
	done
}

# Agent hooks with no-op defaults.
on_submit() { :; }
on_input() { :; }
run_hook() { log "no hooks: $1"; }
write_transcript() { log "no transcript: $1"; }
