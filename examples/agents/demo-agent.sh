#!/usr/bin/env bash
# A scripted stand-in for an AI coding agent, used by `ao demo` (and usable with any
# local-only config as `agent: custom`, `agentConfig: {command: "bash demo-agent.sh"}`).
#
# It reads its task from $AO_PROMPT_FILE, edits files and commits in its workspace, then
# shows an `agent>` prompt and reacts to the messages ao sends it:
#   - "CI is failing…"        → fixes the bug and commits
#   - review comments          → addresses them and commits
#   - anything else            → acknowledges it
# A multi-line message comes as a one-line pointer to a file in .ao/messages/; it reads
# the file, as a real agent would.
# Issue 3 asks the human a question first ("[y/N]"), so ao reports it as needs_input.
set -u

say() { printf '%s\n' "$*"; }
ready() { printf 'agent> '; }
work() { say "working..."; sleep 0.3; }
commit() { git add -A && git commit -q -m "$1" && say "committed: $1"; }

prompt=$(cat "${AO_PROMPT_FILE:?AO_PROMPT_FILE is not set}")
issue=$(printf '%s\n' "$prompt" | sed -n 's/^Issue \([0-9][0-9]*\): .*/\1/p' | head -n 1)
say "demo agent for ${AO_SESSION:-?}: issue ${issue:-none}"

case "${issue:-}" in
  1)
    work
    # Adds subtraction with a bug; the test added alongside fails in CI.
    cat >> calc.sh <<'X'
if [ "$1" = sub ]; then expr "$2" + "$3"; fi
X
    echo '[ "$(sh calc.sh sub 5 3)" = 2 ] || { echo "FAIL: calc.sh sub 5 3 should print 2"; exit 1; }' >> test.sh
    commit "Add subtraction to calc.sh"
    ;;
  2)
    work
    printf 'echo hi\n' > greet.sh
    commit "Add greet.sh"
    ;;
  3)
    work
    printf 'Delete the stale build/ directory? [y/N] '
    read -r answer
    if [ "$answer" = y ]; then say "deleting build/"; rm -rf build; fi
    printf 'cleaned\n' > CLEANED.md
    commit "Remove the stale build directory"
    ;;
  *)
    work
    say "no scripted work for this task"
    ;;
esac

ready
while IFS= read -r line; do
  msg=$line
  # A message may span several lines: collect the rest of it before acting once.
  while IFS= read -r -t 0.5 more; do msg="$msg
$more"; done
  # A multi-line message arrives as a pointer to a file in .ao/messages/: read it.
  file=$(printf '%s\n' "$msg" | sed -n 's|.*in the file \(\.ao/messages/[0-9]*\.md\).*|\1|p' | head -n 1)
  if [ -n "$file" ] && [ -f "$file" ]; then msg=$(cat "$file"); fi
  case "$msg" in
    *"CI is failing"*)
      work
      sed -i '/= sub/s/expr "$2" + "$3"/expr "$2" - "$3"/' calc.sh
      commit "Fix subtraction"
      ;;
    *"Review comments"*|*"say hello"*)
      work
      printf 'echo hello\n' > greet.sh
      commit "Say hello, as requested in review"
      ;;
    *)
      say "noted: $(printf '%s\n' "$msg" | head -n 1)"
      ;;
  esac
  ready
done
