#!/usr/bin/env bash
# Builds and runs the fuzz targets one after another.
#
#   fuzz/run.sh [seconds-per-target] [target...]
#
# Defaults: 300 seconds, every target in ALL_TARGETS. Each target runs as a
# single libFuzzer process (one job, one core), starting from its corpus in
# fuzz/corpus/<target> (kept in the repository; minimise it with
# `cargo fuzz cmin` before committing what a long run added) into which
# fuzz/seeds/<target> is copied first. Prints one line per target (runs, coverage, result) and exits
# non-zero if any target crashed or failed to build. Crashing inputs land in
# fuzz/artifacts/<target>/, full logs in fuzz/target/fuzz-logs/<target>.log.
#
# Environment: FUZZ_SCRATCH_CORPUS (when set, each target runs from a copy
# of its corpus under fuzz/target/scratch-corpus/, leaving fuzz/corpus
# untouched; scripts/test sets it), FUZZ_SANITIZER (default "address"; "none" if the ASan runtime
# is unavailable), FUZZ_ARGS (extra libFuzzer flags, e.g. "-max_len=65536").
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP=1 enables them on the
# stable toolchain.

set -u

ALL_TARGETS=(
    encapsulation_decode
    smux_frames
    smux_session
    socks_handshake
    extorport_replies
    broker_messages
    kcp_input
)

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo_root" || exit 2

seconds="${1:-300}"
if [ $# -gt 0 ]; then
    shift
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
    echo "usage: fuzz/run.sh [seconds-per-target] [target...]" >&2
    exit 2
fi
if [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=("${ALL_TARGETS[@]}")
fi

export RUSTC_BOOTSTRAP=1
sanitizer="${FUZZ_SANITIZER:-address}"
log_dir="fuzz/target/fuzz-logs"
mkdir -p "$log_dir"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
    exit 2
fi

failed=0
summary=()
for target in "${targets[@]}"; do
    log="$log_dir/$target.log"
    if ! cargo fuzz build --fuzz-dir fuzz -s "$sanitizer" "$target" >"$log" 2>&1; then
        summary+=("$target: BUILD FAILED (see $log)")
        failed=1
        continue
    fi

    corpus="fuzz/corpus/$target"
    mkdir -p "$corpus"
    if [ -n "${FUZZ_SCRATCH_CORPUS:-}" ]; then
        # Run from a copy, so that what this run adds stays out of the
        # kept corpus (and out of the working tree).
        scratch="fuzz/target/scratch-corpus/$target"
        rm -rf "$scratch"
        mkdir -p "$scratch"
        cp -r "$corpus"/. "$scratch"/ 2>/dev/null || true
        corpus="$scratch"
    fi
    if [ -d "fuzz/seeds/$target" ]; then
        cp -n "fuzz/seeds/$target"/* "$corpus"/ 2>/dev/null || true
    fi

    start=$(date +%s)
    # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
    cargo fuzz run --fuzz-dir fuzz -s "$sanitizer" "$target" "$corpus" -- \
        -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
        -print_final_stats=1 ${FUZZ_ARGS:-} >>"$log" 2>&1
    status=$?
    elapsed=$(( $(date +%s) - start ))

    runs=$(grep -aoE 'stat::number_of_executed_units: *[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
    last=$(grep -aE '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED|RELOAD)' "$log" | tail -1)
    cov=$(echo "$last" | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+')
    ft=$(echo "$last" | grep -oE 'ft: [0-9]+' | grep -oE '[0-9]+')
    corp=$(echo "$last" | grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' | sed 's/corp: //')
    line="$target: ${elapsed}s runs=${runs:-?} cov=${cov:-?} ft=${ft:-?} corpus=${corp:-?}"
    if [ $status -eq 0 ]; then
        summary+=("$line OK (no crash)")
    else
        artifact=$(grep -aoE 'Test unit written to [^ ]+' "$log" | tail -1 | sed 's/Test unit written to //')
        summary+=("$line CRASH (exit $status) artifact=${artifact:-none} log=$log")
        failed=1
    fi
    echo "${summary[-1]}"
done

echo
echo "== fuzz summary (sanitizer: $sanitizer, ${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit $failed
