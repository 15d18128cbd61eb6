# run_swift_tests LOG [ARGS...]: `swift test --skip-build ARGS` with its output shown and kept in LOG,
# made sure to end. Source, don't run.
#
# A crashed test process can stay alive after its crash report, or hang in the middle of writing it
# (both seen here with a test bundle of two thousand threads), and a hung test would hold the run until
# CI's own deadline. So the run is stopped once a crash report is complete (or 60 s after it began),
# after HF_TEST_SILENCE_LIMIT seconds without output (default 300; the stacks of the stalled bundle's
# threads are printed first), or after HF_TEST_TIME_LIMIT seconds (default 1200; the suite takes about
# 2 minutes on 2 cores). The crash report and the tests that started but never finished are then printed
# last, where CI shows them.
# shellcheck shell=bash

run_swift_tests() {
    local log=$1
    shift
    local limit=${HF_TEST_TIME_LIMIT:-1200}
    : >"$log"
    # Only the crashed thread's backtrace: one per idle worker thread would take minutes to print.
    export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=yes,threads=crashed}
    # Line-buffered (stdbuf reaches the test bundle through the environment it inherits): with a file for
    # standard output the bundle's lines were buffered in blocks, so a run that stalled showed a log cut
    # in the middle of a line and named as unfinished tests that had long ended.
    local line_buffered=()
    command -v stdbuf >/dev/null 2>&1 && line_buffered=(stdbuf -oL -eL)
    "${line_buffered[@]}" swift test --skip-build "$@" </dev/null >"$log" 2>&1 &
    local pid=$!
    tail -n +1 -f --pid="$pid" "$log" &
    local echo_pid=$!
    local started=$SECONDS stopped="" crashed_at=""
    # A run whose output stops growing has stalled (every test waiting on something that never comes):
    # it is stopped after HF_TEST_SILENCE_LIMIT seconds of silence, its threads' stacks printed first.
    local silence_limit=${HF_TEST_SILENCE_LIMIT:-300} last_size=-1 quiet_since=$SECONDS size
    while kill -0 "$pid" 2>/dev/null; do
        size=$(stat -c %s "$log" 2>/dev/null || echo 0)
        if [ "$size" != "$last_size" ]; then last_size=$size quiet_since=$SECONDS; fi
        if ((SECONDS - quiet_since > silence_limit)); then
            stopped="swift test wrote nothing for ${silence_limit}s (stalled)"
            print_test_stacks "$pid" "$log"
            break
        fi
        # The crash report itself can hang (seen: stuck in the middle of a frame line), so it gets 60 s.
        if [ -z "$crashed_at" ] && grep -q '^\*\*\* Program crashed' "$log"; then crashed_at=$SECONDS; fi
        # The backtracer can also spin before it prints anything (seen: 6 minutes at full CPU after a
        # crash on a thread of librdkafka's mock cluster, while other threads kept logging): its process
        # counts as the start of a crash report.
        if [ -z "$crashed_at" ] && pgrep -x swift-backtrace >/dev/null 2>&1; then crashed_at=$SECONDS; fi
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

# print_test_stacks PID LOG: the threads of the test bundle under PID (the first frames of each, by gdb
# when it is installed), appended to LOG, for a run about to be stopped.
print_test_stacks() {
    command -v gdb >/dev/null 2>&1 || return 0
    local bundle
    for bundle in $(process_tree "$1"); do
        case "$(tr '\0' ' ' <"/proc/$bundle/cmdline" 2>/dev/null)" in *.xctest*) break ;; esac
        bundle=""
    done
    [ -n "$bundle" ] || return 0
    echo "== threads of the stalled test bundle (pid $bundle), first frames" >>"$2"
    timeout 120 gdb -p "$bundle" -batch -ex "set pagination off" -ex "thread apply all bt 8" 2>/dev/null \
        | grep -E '^(Thread|#)' | sed -E 's/ \(.*//' | cut -c1-200 >>"$2" || true
}

# process_tree PID: PID and all its descendants, parents first.
process_tree() {
    local child
    echo "$1"
    for child in $(ps -o pid= --ppid "$1"); do
        process_tree "$child"
    done
}
