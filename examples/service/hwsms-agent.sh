#!/bin/sh
# hwsms-agent: a whole migration agent in POSIX shell, on the hwsms program.
#
#   1. wait for SMS's next command for this server (`hwsms fetch --wait`);
#   2. run the handler for it;
#   3. report how it ended (`hwsms report`), retrying network failures;
#   4. again, until SIGTERM or SIGINT (then exit 0).
#
# Settings, from the environment (hwsms-agent.env shows them all):
#   HWSMS_SERVER_ID    the source server's id (required)
#   HWSMS_HANDLER      the program that carries a command out (required). It
#                      is called as `HANDLER COMMAND_NAME TASK_ID BUCKET`
#                      (TASK_ID and BUCKET empty when absent or when they hold
#                      characters other than letters, digits and ._:-), with
#                      the whole command line of `hwsms fetch` in
#                      HWSMS_COMMAND_JSON. Exit 0 reports success, anything
#                      else fail. If its last line on stdout is a JSON object,
#                      that object is the report's detail.
#   HWSMS_BIN          the hwsms program (default: hwsms on PATH)
#   HWSMS_INTERVAL_MS  how often to ask while there is nothing to do
#                      (default: hwsms's 15000, jittered)
# Where SMS is and the credentials come from hwsms's own variables
# (HWSMS_ENDPOINT or HUAWEICLOUD_SDK_REGION, HUAWEICLOUD_SDK_AK and _SK or
# HUAWEICLOUD_SDK_AUTH_TOKEN, HWSMS_CA_FILE, HWSMS_PROXY, ...: the README's
# "Environment variables"). Under systemd they may also come as credentials
# (LoadCredential=): files named ak, sk, security_token, auth_token and
# project_id in $CREDENTIALS_DIRECTORY. Never pass credentials as arguments:
# any user can read a command line.
#
# Exit codes: 0 stopped by SIGTERM/SIGINT; 2 a setting is wrong (hwsms said
# so; restarting cannot help); 1 anything else.
set -u

HWSMS=${HWSMS_BIN:-hwsms}
log() { printf 'hwsms-agent: %s\n' "$*" >&2; }

[ -n "${HWSMS_SERVER_ID:-}" ] || { log "HWSMS_SERVER_ID is not set"; exit 2; }
[ -n "${HWSMS_HANDLER:-}" ] || { log "HWSMS_HANDLER is not set"; exit 2; }
command -v "$HWSMS" >/dev/null 2>&1 || { log "cannot run $HWSMS (set HWSMS_BIN)"; exit 2; }

# systemd's LoadCredential= files become hwsms's variables (environment
# only: never arguments).
if [ -n "${CREDENTIALS_DIRECTORY:-}" ]; then
  for pair in ak:HUAWEICLOUD_SDK_AK sk:HUAWEICLOUD_SDK_SK \
              security_token:HUAWEICLOUD_SDK_SECURITY_TOKEN \
              auth_token:HUAWEICLOUD_SDK_AUTH_TOKEN project_id:HUAWEICLOUD_SDK_PROJECT_ID; do
    file=$CREDENTIALS_DIRECTORY/${pair%%:*}
    if [ -r "$file" ]; then export "${pair#*:}=$(cat "$file")"; fi
  done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hwsms-agent.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

# A signal stops the running child (hwsms or the handler), then the loop.
# Each child runs in a session of its own (setsid, where there is one), so
# that the signal reaches whatever it started too, even when only this
# shell was sent it.
stopping=
child=
detach=
if command -v setsid >/dev/null 2>&1; then detach=setsid; fi
stop_child() {
  # Until setsid has run in the child there is no group of that number yet:
  # then the child itself is sent the signal.
  if [ -z "$detach" ] || ! kill -TERM -"$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
  fi
}
# shellcheck disable=SC2317 # called by the trap below
on_signal() {
  stopping=1
  if [ -n "$child" ]; then stop_child; fi
}
trap on_signal TERM INT HUP

# run OUT PROGRAM [ARGS]: runs PROGRAM in the background with stdout in OUT
# and waits for it, so that a signal is handled at once rather than when
# the child ends; sets $status.
run() {
  out=$1
  shift
  # shellcheck disable=SC2086 # $detach is empty or one word
  $detach "$@" >"$out" </dev/null &
  child=$!
  # A signal that came before $child was set stopped nothing yet.
  if [ -n "$stopping" ]; then stop_child; fi
  while :; do
    wait "$child"
    status=$?
    # A trapped signal ends `wait` early (status > 128) while the child
    # may still run: wait again for its own status.
    kill -0 "$child" 2>/dev/null || break
  done
  child=
}

# pause SECONDS: a sleep that a signal ends.
pause() {
  run /dev/null sleep "$1"
}

# field NAME: the value of a simple string field of the command line, or
# nothing (null, absent, or characters a shell word should not carry).
field() {
  sed -n "s/.*\"$1\":\"\([A-Za-z0-9._:-]*\)\".*/\1/p" "$work/command"
}

# report NAME RESULT DETAIL: hwsms report, retrying network failures.
report() {
  tries=0
  while [ -z "$stopping" ]; do
    if [ -n "$3" ]; then
      run "$work/report" "$HWSMS" report --server-id "$HWSMS_SERVER_ID" \
        --command "$1" --result "$2" --detail "$3"
    else
      run "$work/report" "$HWSMS" report --server-id "$HWSMS_SERVER_ID" \
        --command "$1" --result "$2"
    fi
    case $status in
      0) log "reported $1 $2"; return 0 ;;
      2) if [ -n "$3" ]; then
           log "hwsms refused the handler's detail; reporting $1 $2 without it"
           set -- "$1" "$2" ""
           continue
         fi
         exit 2 ;;
      3) log "SMS refused the report of $1 $2 (see above); going on"; return 1 ;;
      130|143) return 1 ;;
    esac
    tries=$((tries + 1))
    if [ "$tries" -ge 6 ]; then
      log "could not report $1 $2 after $tries tries; going on"
      return 1
    fi
    pause $((5 << tries))
  done
  return 1
}

backoff=0
interval=
if [ -n "${HWSMS_INTERVAL_MS:-}" ]; then interval="--interval-ms $HWSMS_INTERVAL_MS"; fi
log "polling SMS for server $HWSMS_SERVER_ID"
while [ -z "$stopping" ]; do
  # shellcheck disable=SC2086 # $interval is empty or two words
  run "$work/command" "$HWSMS" fetch --wait --server-id "$HWSMS_SERVER_ID" $interval
  case $status in
    0) backoff=0 ;;
    2) log "hwsms fetch rejected the settings (see above)"; exit 2 ;;
    130|143) break ;;
    *) # Failures the poller does not retry itself (a 401 or 403 an
       # operator must mend, a certificate problem): wait longer each time,
       # up to 10 minutes, and ask again.
       [ -n "$stopping" ] && break
       backoff=$(( backoff == 0 ? 30 : (backoff >= 300 ? 600 : backoff * 2) ))
       log "hwsms fetch failed (exit $status); asking again in ${backoff}s"
       pause "$backoff"
       continue ;;
  esac
  name=$(sed -n 's/^{"command_name":"\([A-Z_]*\)".*/\1/p' "$work/command")
  if [ -z "$name" ]; then
    log "unexpected answer from hwsms fetch: $(head -c 300 "$work/command")"
    pause 30
    continue
  fi
  task_id=$(field task_id)
  bucket=$(field bucket)
  log "running $name (task ${task_id:-none})"
  HWSMS_COMMAND_JSON=$(cat "$work/command")
  export HWSMS_COMMAND_JSON
  run "$work/handler" "$HWSMS_HANDLER" "$name" "$task_id" "$bucket"
  # Stopped while the handler ran: the command did not end on its own, so
  # nothing is reported; SMS asks again after the restart.
  [ -n "$stopping" ] && break
  if [ "$status" -eq 0 ]; then result=success; else result=fail; fi
  detail=$(tail -n 1 "$work/handler")
  case $detail in
    "{"*"}") ;;
    *) detail= ;;
  esac
  report "$name" "$result" "$detail"
done
log "stopped"
exit 0
