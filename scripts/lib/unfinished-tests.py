#!/usr/bin/env python3
"""Names the tests and suites that a swift-testing log shows as started but never finished.

Usage: unfinished-tests.py LOG. Prints one name per line (with a count when a name started more
often than it finished); prints nothing when every started test finished.
"""
import re
import sys
from collections import Counter

# Test cases of a parameterized test only log their start; the test's own end line covers them.
STARTED = re.compile(r"^\S+ (Test|Suite) (?!case passing)(.+) started\.$")
ENDED = re.compile(r"^\S+ (Test|Suite) (.+?)(?: with \d+ test cases?)? (?:(?:passed|failed) after|skipped\b)")

started, ended = Counter(), Counter()
with open(sys.argv[1], encoding="utf-8", errors="replace") as log:
    for line in log:
        line = line.rstrip("\n")
        if match := STARTED.match(line):
            started[(match[1], match[2])] += 1
        elif match := ENDED.match(line):
            ended[(match[1], match[2])] += 1
for (kind, name), count in sorted(started.items()):
    missing = count - ended[(kind, name)]
    if missing > 0 and name != "run":
        print(f"  {kind.lower()} {name}" + (f" (x{missing})" if missing > 1 else ""))
