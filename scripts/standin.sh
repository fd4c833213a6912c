# shellcheck shell=bash disable=SC2154,SC2034 # $work is the caller's; $standin is for its trap
# Sourced by cross.sh, cross-windows.sh and release.sh: the local HTTPS SMS
# stand-in (examples/sms_standin.rs) that their builds are run against.
#
#     start_standin TOKEN
#
# builds and starts it for TOKEN, with its CA in $work/ca.pem (the caller
# makes $work) and its URL in $url; $standin is its pid, for the caller's
# exit trap to stop.
start_standin() {
  cargo build -q --locked -p hwsms-examples --example sms_standin
  target/debug/examples/sms_standin --ca-out "$work/ca.pem" --token "$1" > "$work/url" 2>/dev/null &
  standin=$!
  for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
  url=$(head -1 "$work/url")
  [ -n "$url" ] || { echo "the SMS stand-in did not start" >&2; exit 1; }
}
