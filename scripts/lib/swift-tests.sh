# run_swift_tests LOG [ARGS...]: `swift test --skip-build ARGS` with its output shown and kept in LOG,
# made sure to end. Source, don't run.
#
# A crashed test process can stay alive after its crash report, or hang in the middle of writing it
# (both seen here with a test bundle of two thousand threads), and a hung test would hold the run until
# CI's own deadline. So the run is stopped once a crash report is complete (or 60 s after it began), or
# after HF_TEST_TIME_LIMIT seconds (default 1200; the suite takes about 2 minutes on 2 cores). The crash
# report and the tests that started but never finished are then printed last, where CI shows them.
# shellcheck shell=bash

run_swift_tests() {
    local log=$1
    shift
    local limit=${HF_TEST_TIME_LIMIT:-1200}
    : >"$log"
    # Only the crashed thread's backtrace: one per idle worker thread would take minutes to print.
    export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=yes,threads=crashed}
    swift test --skip-build "$@" </dev/null >"$log" 2>&1 &
    local pid=$!
    tail -n +1 -f --pid="$pid" "$log" &
    local echo_pid=$!
    local started=$SECONDS stopped="" crashed_at=""
    while kill -0 "$pid" 2>/dev/null; do
        # The crash report itself can hang (seen: stuck in the middle of a frame line), so it gets 60 s.
        if [ -z "$crashed_at" ] && grep -q '^\*\*\* Program crashed' "$log"; then crashed_at=$SECONDS; fi
        if [ -n "$crashed_at" ] && { grep -q '^Backtrace took' "$log" || ((SECONDS - crashed_at > 60)); }; then
            stopped="a test process crashed"
            break
        fi
        if ((SECONDS - started > limit)); then
            stopped="swift test did not finish within ${limit}s"
            break
        fi
        sleep 2
    done
    if [ -n "$stopped" ]; then
        # Killing the process group is not enough (Foundation's Process starts every child in a group of
        # its own, and the test bundle was seen to survive it), so every descendant is named: frozen
        # first (nothing new is started), then killed; a crashed bundle no longer heeds SIGTERM.
        local tree
        tree=$(process_tree "$pid")
        # shellcheck disable=SC2086
        kill -STOP $tree 2>/dev/null || true
        tree=$(process_tree "$pid")
        # shellcheck disable=SC2086
        kill -KILL $tree 2>/dev/null || true
    fi
    local status=0
    wait "$pid" || status=$?
    wait "$echo_pid" 2>/dev/null || true
    [ -z "$stopped" ] && [ "$status" = 0 ] && return 0

    local here
    here=$(dirname "${BASH_SOURCE[0]}")
    if [ -n "$stopped" ]; then
        log "$stopped; swift test stopped"
    else
        log "swift test failed (exit status $status)"
    fi
    if grep -q '^\*\*\* Program crashed' "$log"; then
        log "the crash:"
        sed -n '/^\*\*\* Program crashed/,/^Backtrace took/p' "$log" | grep -v '^swift-runtime: failed to suspend' | head -150 >&2
    fi
    grep -E '^✘ Test .* failed after' "$log" >&2 || true
    local unfinished
    unfinished=$(python3 "$here/unfinished-tests.py" "$log")
    [ -z "$unfinished" ] || { log "started but never finished:"; echo "$unfinished" >&2; }
    return 1
}

# process_tree PID: PID and all its descendants, parents first.
process_tree() {
    local child
    echo "$1"
    for child in $(ps -o pid= --ppid "$1"); do
        process_tree "$child"
    done
}
