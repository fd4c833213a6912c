#!/usr/bin/env bash
# Builds the README's Rust agent ("Running an agent loop") as a newcomer
# would: a new crate with the three dependencies the README names and the
# block pasted whole as src/main.rs. Then runs it against the local
# stand-in until it has reported a command's result, and stops it with
# SIGTERM, which must end it with exit 0.
#
#     scripts/readme_agent.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
standin=
agent=
trap 'kill "$standin" "$agent" 2>/dev/null || true; rm -rf "$work"' EXIT

mkdir -p "$work/agent/src"
awk '/^## Running an agent loop/ { section = 1 }
     section && /^```rust/ { inside = 1; next }
     inside && /^```/ { exit }
     inside' README.md > "$work/agent/src/main.rs"
grep -q '^fn main' "$work/agent/src/main.rs" || { echo "no agent found in the README" >&2; exit 1; }
cat > "$work/agent/Cargo.toml" <<TOML
[package]
name = "readme-agent"
version = "0.0.0"
edition = "2024"

[dependencies]
hwsms = { path = "$root" }
signal-hook = "0.3"
serde_json = "1"

[workspace]
TOML
# The workspace's lock pins the same versions the tests use.
cp Cargo.lock "$work/agent/"
CARGO_TARGET_DIR="$root/target" cargo build -q --manifest-path "$work/agent/Cargo.toml"

cargo build -q --locked -p hwsms-examples --example sms_standin
target/debug/examples/sms_standin --ca-out "$work/ca.pem" --token T > "$work/url" 2> "$work/requests" &
standin=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
url=$(head -1 "$work/url")
[ -n "$url" ] || { echo "the SMS stand-in did not start" >&2; exit 1; }

HWSMS_ENDPOINT=$url HWSMS_CA_FILE=$work/ca.pem HUAWEICLOUD_SDK_AUTH_TOKEN=T SMS_SERVER_ID=readme-agent \
  "$root/target/debug/readme-agent" > "$work/out" 2> "$work/err" &
agent=$!
for _ in $(seq 200); do
  grep -q 'POST /v3/sources/readme-agent/command_result -> 200' "$work/requests" && break
  sleep 0.05
done
grep -q 'command_result -> 200' "$work/requests" || { cat "$work/err" >&2; echo "the README agent reported nothing" >&2; exit 1; }
kill -TERM "$agent"
code=0
wait "$agent" || code=$?
agent=
[ "$code" -eq 0 ] || { cat "$work/err" >&2; echo "the README agent ended with $code on SIGTERM" >&2; exit 1; }
grep -q 'running Some(Start)' "$work/out" || { cat "$work/out" >&2; echo "the README agent did not run START" >&2; exit 1; }
echo "README agent: built from the pasted block, ran START, reported it, stopped on SIGTERM"
