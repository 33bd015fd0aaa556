#!/usr/bin/env bash
# Build weight of awscred (BENCHMARKS.md, "Build weight"): how many crates each workspace
# crate pulls in (normal dependencies, itself included), then — unless --no-build — the clean
# release build time of the CLI and the size of its stripped binary.
#
#   bash benches/build-weight.sh             # counts + one clean release build (slow)
#   bash benches/build-weight.sh --no-build  # counts only
#
# The clean build uses a fresh CARGO_TARGET_DIR (removed afterwards) so cached artifacts do
# not shorten it; downloads are fetched first so they are not timed.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
[[ "${1:-}" == "--no-build" ]] && build=0

# Crates still on other branches are skipped: `cargo pkgid` fails for a package not in the tree.
present() { cargo pkgid --quiet "$1" >/dev/null 2>&1; }

echo "== dependency count, X itself included:"
echo "   crates: cargo tree -e normal --prefix none -p X | sed 's/ (\*)\$//' | sort -u | wc -l"
echo "   lines:  the same without the sed (a crate printed both plain and with '(*)' counts twice)"
for crate in awscred-core awscred-files awscred-ureq awscred-hyper awscred; do
    if ! present "$crate"; then
        printf '%-16s skipped (not in this tree)\n' "$crate"
        continue
    fi
    tree=$(cargo tree -e normal --prefix none -p "$crate")
    n=$(sed 's/ (\*)$//' <<<"$tree" | sort -u | wc -l)
    raw=$(sort -u <<<"$tree" | wc -l)
    printf '%-16s %4d crates  (%d lines)\n' "$crate" "$n" "$raw"
done

# The CLI as a packager may build it: without the `demo` feature (no embedded emulator).
if present awscred; then
    tree=$(cargo tree -e normal --prefix none -p awscred --no-default-features)
    printf '%-16s %4d crates  (%d lines; --no-default-features: no demo)\n' awscred \
        "$(sed 's/ (\*)$//' <<<"$tree" | sort -u | wc -l)" "$(sort -u <<<"$tree" | wc -l)"
fi

# The drivers without their default `login-session` feature (no P-256: a library user's choice).
for crate in awscred-ureq awscred-hyper; do
    present "$crate" || continue
    tree=$(cargo tree -e normal --prefix none -p "$crate" --no-default-features)
    printf '%-16s %4d crates  (%d lines; --no-default-features: no login-session)\n' "$crate" \
        "$(sed 's/ (\*)$//' <<<"$tree" | sort -u | wc -l)" "$(sort -u <<<"$tree" | wc -l)"
done

# The peers as the benches resolve them (default features off), for scale. They are dev-
# dependencies of awscred-benches, so `-e normal` alone prints nothing; non-members have no
# dev-dependencies in the lock, so `normal,dev` still counts only their normal ones.
for peer in aws-sigv4 aws-config; do
    if tree=$(cargo tree -e normal,dev --prefix none -p "$peer" 2>/dev/null); then
        n=$(sed 's/ (\*)$//' <<<"$tree" | sort -u | wc -l)
        printf '%-16s %4d crates  (peer, default features off)\n' "$peer" "$n"
    fi
done

[[ $build == 1 ]] || exit 0
if ! present awscred; then
    echo "== release build: skipped (the awscred CLI package is not in this tree)"
    exit 0
fi

target=$(mktemp -d "${TMPDIR:-/tmp}/awscred-weight.XXXXXX")
trap 'rm -rf "$target"' EXIT
cargo fetch --quiet
echo "== clean release build: cargo build --release -p awscred (CARGO_TARGET_DIR=$target, $(nproc) cores)"
start=$(date +%s%N)
CARGO_TARGET_DIR="$target" cargo build --release --quiet -p awscred
end=$(date +%s%N)
awk -v ns=$((end - start)) 'BEGIN { printf "build time       %.1f s\n", ns / 1e9 }'

bin="$target/release/awscred"
stripped="$target/awscred.stripped"
strip -o "$stripped" "$bin"
awk -v s="$(stat -c %s "$stripped")" -v b="$(stat -c %s "$bin")" \
    'BEGIN { printf "binary size      %d bytes stripped (%.2f MiB); as built %d bytes\n", s, s / 1048576, b }'
