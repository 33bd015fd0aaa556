#!/usr/bin/env bash
# Whole-process cost of getting credentials for an SSO + one AssumeRole profile, next to the AWS
# CLI v2 on the same files and the same emulator:
#   awscred credentials --profile bench-role --format process
#   aws configure export-credentials --profile bench-role --format process
# warm (a valid entry in ~/.aws/cli/cache: no request) and cold (the cache is deleted before each
# run: GetRoleCredentials + AssumeRole against the emulator on loopback). Wall time with hyperfine,
# peak RSS with /usr/bin/time -v. Figures only: nothing is asserted about them.
#
# usage: benches/whole-process.sh            (RUNS=30 by default; RSS_RUNS=5)
# needs: hyperfine, /usr/bin/time, python3, the AWS CLI v2 at target/interop/awscli/aws (or $AWS_CLI;
#        `.ci/install-interop` puts it there; without it the AWS CLI rows are skipped). Builds
#        target/release/{awscred,awscred-emulator} when they are missing (set REBUILD=1 to
#        rebuild them) and the aws-config peer (`benches/benches/aws_config_credentials.rs`).
#
# Cold runs are also timed interleaved against the aws-config peer (ROUNDS=60 rounds, one run of
# each per round, benches/interleave.py): the ratio of medians holds up under load.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

RUNS=${RUNS:-30}
ROUNDS=${ROUNDS:-60}
RSS_RUNS=${RSS_RUNS:-5}
aws_cli=${AWS_CLI:-$root/target/interop/awscli/aws}  # read before the AWS_* variables are cleared below
awscred=$root/target/release/awscred
emulator_bin=$root/target/release/awscred-emulator
PROFILE=bench-role

for tool in hyperfine python3; do
  command -v "$tool" >/dev/null || { echo "whole-process.sh: $tool is missing" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "whole-process.sh: /usr/bin/time (GNU time) is missing" >&2; exit 2; }
have_cli=1
[ -x "$aws_cli" ] || { echo "whole-process.sh: no AWS CLI at $aws_cli (run .ci/install-interop or set AWS_CLI): its rows are skipped" >&2; have_cli=0; }
if [ "${REBUILD:-0}" = 1 ] || [ ! -x "$awscred" ] || [ ! -x "$emulator_bin" ]; then
  cargo build --release -p awscred -p awscred-emulator
fi
aws_config_peer=$(cargo bench -q -p awscred-benches --bench aws_config_credentials --no-run \
  --message-format=json | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "aws_config_credentials" and m.get("executable"):
        print(m["executable"])')

work=$(mktemp -d)
emulator_pid=
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The emulator, on a port it picks; its first line says where.
"$emulator_bin" --port 0 --auto-approve >"$work/emulator.out" 2>&1 &
emulator_pid=$!
url=
for _ in $(seq 100); do
  url=$(sed -n 's/^listening on //p' "$work/emulator.out")
  [ -n "$url" ] && break
  sleep 0.05
done
[ -n "$url" ] || { echo "whole-process.sh: the emulator did not start" >&2; cat "$work/emulator.out" >&2; exit 1; }

# A private home pointed at the emulator; no other AWS_* variable of the caller applies.
while IFS= read -r name; do unset "$name"; done < <(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p')
export HOME=$work/home AWS_ENDPOINT_URL=$url AWS_REGION=us-east-1 AWS_PAGER= AWS_EC2_METADATA_DISABLED=true
mkdir -p "$HOME/.aws"
cat >"$HOME/.aws/config" <<'EOF'
[profile bench-sso]
sso_session = bench
sso_account_id = 111122223333
sso_role_name = ReadOnlyAccess
region = us-east-1

[sso-session bench]
sso_start_url = https://d-emulator.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile bench-role]
role_arn = arn:aws:iam::444455556666:role/bench
role_session_name = bench
source_profile = bench-sso
region = us-east-1
EOF

# Log in once (device code, approved by the emulator): the SSO token both tools use.
"$awscred" login --sso-session bench --use-device-code --no-browser >"$work/login.out" 2>&1 \
  || { echo "whole-process.sh: login failed" >&2; cat "$work/login.out" >&2; exit 1; }

ours=("$awscred" credentials --profile "$PROFILE" --format process)
theirs=("$aws_cli" configure export-credentials --profile "$PROFILE" --format process)
cache=$HOME/.aws/cli/cache

akid() { python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKeyId"])'; }
if [ "$have_cli" = 1 ]; then
# Both must print the same credentials from the same cache entry: awscred fills it, the AWS CLI
# reads it back (and the other way round after a cold AWS CLI run).
rm -rf "$cache"
a=$("${ours[@]}" | akid)
b=$("${theirs[@]}" | akid)
[ "$a" = "$b" ] || { echo "whole-process.sh: the AWS CLI did not read awscred's cache entry" >&2; exit 1; }
rm -rf "$cache"
b=$("${theirs[@]}" | akid)
a=$("${ours[@]}" | akid)
[ "$a" = "$b" ] || { echo "whole-process.sh: awscred did not read the AWS CLI's cache entry" >&2; exit 1; }
case "$a" in ASIA*) ;; *) echo "whole-process.sh: unexpected credentials" >&2; exit 1 ;; esac

quote() { printf '%q ' "$@"; }
hf() { # NAME PREPARE
  local name=$1 prepare=$2
  local args=(-N --style basic --runs "$RUNS" --warmup 3 --export-json "$work/$name.json"
    -n awscred -n aws-cli)
  if [ -n "$prepare" ]; then args+=(--prepare "$prepare"); fi
  hyperfine "${args[@]}" "$(quote "${ours[@]}")" "$(quote "${theirs[@]}")" >&2
}
rss() { # PREPARE CMD... -> the largest "Maximum resident set size" (KiB) of RSS_RUNS runs
  local prepare=$1; shift
  local max=0 kib
  for _ in $(seq "$RSS_RUNS"); do
    if [ -n "$prepare" ]; then $prepare; fi
    /usr/bin/time -v "$@" >/dev/null 2>"$work/time.out"
    kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.out")
    [ "$kib" -gt "$max" ] && max=$kib
  done
  echo "$max"
}

# Warm: one run fills the cache; every timed run reads it.
"${ours[@]}" >/dev/null
hf warm ""
warm_rss_ours=$(rss "" "${ours[@]}")
warm_rss_theirs=$(rss "" "${theirs[@]}")

# Cold: no cache entry before any run.
hf cold "rm -rf $cache"
cold_rss_ours=$(rss "rm -rf $cache" "${ours[@]}")
cold_rss_theirs=$(rss "rm -rf $cache" "${theirs[@]}")

python3 - "$work" "$warm_rss_ours" "$warm_rss_theirs" "$cold_rss_ours" "$cold_rss_theirs" "$RUNS" <<'PY'
import json, sys
work, wo, wt, co, ct, runs = sys.argv[1:]
def stats(name):
    r = json.load(open(f"{work}/{name}.json"))["results"]
    return {x["command"]: x for x in r}
print(f"| case | tool | mean ± σ (ms) | median (ms) | min (ms) | peak RSS (MiB, max of runs) |")
print(f"|---|---|---|---|---|---|")
for case, rss in (("warm", (wo, wt)), ("cold", (co, ct))):
    s = stats(case)
    for tool, kib in zip(("awscred", "aws-cli"), rss):
        x = s[tool]
        print(f"| {case} | {tool} | {x['mean']*1e3:.2f} ± {x['stddev']*1e3:.2f} | {x['median']*1e3:.2f} "
              f"| {x['min']*1e3:.2f} | {int(kib)/1024:.1f} |")
print()
for case, rss in (("warm", (wo, wt)), ("cold", (co, ct))):
    s = stats(case)
    ratio = s["aws-cli"]["median"] / s["awscred"]["median"]
    mem = int(rss[1]) / int(rss[0])
    print(f"{case}: the AWS CLI takes {ratio:.1f}x awscred's median wall time and {mem:.1f}x its peak RSS ({runs} runs each)")
PY
fi

# Cold, interleaved with the aws-config peer (which has no disk cache: both calls every run).
peer=("$aws_config_peer" "$PROFILE")
case "$("${peer[@]}" | akid)" in ASIA*) ;; *) echo "whole-process.sh: the aws-config peer failed" >&2; exit 1 ;; esac
echo
echo "cold, interleaved ($ROUNDS rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)):"
python3 "$root/benches/interleave.py" "$ROUNDS" "$cache" -- \
  "awscred=${ours[*]}" "aws-config=${peer[*]}"
# The same with the cache directory left in place and only its entries removed: a user's
# usual cold run (credentials expired), which skips creating ~/.aws/cli/cache.
"${ours[@]}" >/dev/null
echo
echo "cold, cache directory present, interleaved ($ROUNDS rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)):"
python3 "$root/benches/interleave.py" "$ROUNDS" "$cache/*.json" -- \
  "awscred=${ours[*]}" "aws-config=${peer[*]}"
