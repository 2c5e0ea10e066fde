"""What the comparison benchmarks (bench/*_bench.py) share: running a `glassbox bench-*` command
and reading the JSON summary it prints, timing a peer, and printing spreads."""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_glassbox(args, command, options, env=None):
    """Runs `glassbox <command> --out … --mnist … --repeats … [--random-images] <options>` from the
    checkout and returns the JSON summary it prints on its last line. Without --glassbox the binary
    is built first, with the Makefile's release flags so that `make` and the benchmarks share one build."""
    binary = args.glassbox
    if binary is None:
        print("building glassbox (release)…", file=sys.stderr)
        subprocess.run(["swift", "build", "-c", "release", "-Xswiftc", "-enable-testing", "--product", "glassbox"],
                       cwd=ROOT, check=True)
        binary = os.path.join(ROOT, ".build", "release", "glassbox")
    argv = [binary, command, "--out", args.out, "--mnist", args.mnist, "--repeats", str(args.repeats)]
    argv += [str(option) for option in options]
    if args.random_images:
        argv.append("--random-images")
    result = subprocess.run(argv, cwd=ROOT, check=True, capture_output=True, text=True, env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


def best_time(function, repeats):
    """The last value of `function()` and its fastest run of `repeats`, in milliseconds."""
    best, value = float("inf"), None
    for _ in range(max(repeats, 1)):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return value, best * 1000


def spread(values, spec=".2f"):
    """'median (min–max)' of a list of numbers, each formatted with `spec`."""
    ordered = sorted(values)
    return f"{ordered[len(ordered) // 2]:{spec}} ({ordered[0]:{spec}}–{ordered[-1]:{spec}})"
