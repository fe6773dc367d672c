"""Benchmark of matching/engine.py against the PyPI ``matching`` package and OR-tools.

Run from the project root:

    .venv/bin/python bench/bench_engine.py            # full sizes (several minutes)
    .venv/bin/python bench/bench_engine.py --quick    # small sizes, a smoke run

The peers are benchmark-only (``pip install -r requirements-bench.txt``); a
missing peer is reported as "n/a".  The Django app is also called
``matching``, so the engine is loaded from its file under another name and the
project root is kept off ``sys.path`` while the PyPI package is imported.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import platform
import random
import resource
import statistics
import sys
import threading
import time
import tracemalloc
import warnings
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_engine():
    spec = importlib.util.spec_from_file_location("mentor_match_engine", ROOT / "matching" / "engine.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def load_peers():
    """Return (HospitalResident or None, min_cost_flow or None, numpy or None)."""
    root = str(ROOT)
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and Path(p).resolve() != Path(root)]
    try:
        from matching.games import HospitalResident
    except ImportError:
        HospitalResident = None
    try:
        import numpy as np
        from ortools.graph.python import min_cost_flow
    except ImportError:
        np = min_cost_flow = None
    return HospitalResident, min_cost_flow, np


engine = load_engine()
HospitalResident, min_cost_flow, np = load_peers()


# --------------------------------------------------------------------------
# Instances (seeded)
# --------------------------------------------------------------------------


def hr_instance(n_mentees, n_mentors, capacity, length, seed):
    """Random strict preferences; each mentee lists ``length`` mentors (all if None)."""
    rng = random.Random(seed)
    mentees = [f"e{i}" for i in range(n_mentees)]
    mentors = [f"m{j}" for j in range(n_mentors)]
    mentee_prefs = {}
    for e in mentees:
        if length is None:
            prefs = mentors[:]
            rng.shuffle(prefs)
        else:
            prefs = rng.sample(mentors, length)
        mentee_prefs[e] = prefs
    listed = {h: [] for h in mentors}
    for e in mentees:
        for h in mentee_prefs[e]:
            listed[h].append(e)
    mentor_prefs = {}
    for h in mentors:
        prefs = listed[h]
        rng.shuffle(prefs)
        mentor_prefs[h] = prefs
    return mentee_prefs, mentor_prefs, {h: capacity for h in mentors}


def score_instance(n_mentees, n_mentors, capacity, length, seed, top=1000):
    rng = random.Random(seed)
    scores = {}
    for i in range(n_mentees):
        for j in rng.sample(range(n_mentors), length):
            scores[(f"e{i}", f"m{j}")] = rng.randint(0, top)
    return scores, {f"m{j}": capacity for j in range(n_mentors)}


# --------------------------------------------------------------------------
# Peers
# --------------------------------------------------------------------------


def run_with_big_stack(fn, *args):
    """The matching package deep-copies its players recursively: give it room."""
    out = {}

    def target():
        try:
            out["value"] = fn(*args)
        except BaseException as exc:  # re-raised in the caller's thread
            out["error"] = exc

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1 << 30)
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(0)
        sys.setrecursionlimit(old_limit)
    if "error" in out:
        raise out["error"]
    return out["value"]


def matching_package_solve(mentee_prefs, mentor_prefs, capacities):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        game = HospitalResident.create_from_dictionaries(mentee_prefs, mentor_prefs, capacities)
        solution = game.solve(optimal="resident")
    result = dict.fromkeys(mentee_prefs)
    for hospital, residents in solution.items():
        for resident in residents:
            result[resident.name] = hospital.name
    return result


def ortools_solve(scores, capacities):
    """Max flow with min cost on source -> mentee -> mentor -> sink, from the same dict."""
    mentees, mentors = {}, {}
    tails, heads, costs = [], [], []
    for (e, h), s in scores.items():
        i = mentees.setdefault(e, len(mentees))
        if capacities.get(h, 0) <= 0:
            continue
        j = mentors.setdefault(h, len(mentors))
        tails.append(i)
        heads.append(j)
        costs.append(-s)
    n, m = len(mentees), len(mentors)
    flow = min_cost_flow.SimpleMinCostFlow()
    ones = np.ones(n, dtype=np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.zeros(n, dtype=np.int64), np.arange(1, n + 1), ones, 0 * ones
    )
    tails_a = np.asarray(tails, dtype=np.int64) + 1
    heads_a = np.asarray(heads, dtype=np.int64) + n + 1
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails_a, heads_a, np.ones(len(tails), dtype=np.int64), np.asarray(costs, dtype=np.int64)
    )
    caps = np.asarray([capacities[h] for h in mentors], dtype=np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n + 1, n + m + 1), np.full(m, n + m + 1), caps, np.zeros(m, dtype=np.int64)
    )
    flow.set_node_supply(0, n)
    flow.set_node_supply(n + m + 1, -n)
    start = time.perf_counter()
    status = flow.solve_max_flow_with_min_cost()
    solve_seconds = time.perf_counter() - start
    if status != flow.OPTIMAL:
        raise RuntimeError(f"OR-tools status {status}")
    mentee_ids, mentor_ids = list(mentees), list(mentors)
    result = dict.fromkeys(mentee_ids)
    for a in np.nonzero(flow.flows(arcs))[0]:
        result[mentee_ids[tails[a]]] = mentor_ids[heads[a]]
    return result, solve_seconds


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------


class Timing:
    """Wall-clock and CPU (process) times of several runs, with their medians.

    The CPU figure is the steadier one on a shared machine: other processes on
    the two cores slow the wall clock much more than this process's CPU time.
    """

    def __init__(self):
        self.wall = []
        self.cpu = []

    def run(self, fn, *args):
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        value = fn(*args)
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)
        return value

    @property
    def median(self):
        return statistics.median(self.wall)

    @property
    def cpu_median(self):
        return statistics.median(self.cpu)

    def __str__(self):
        return f"median {self.median:.4f} s wall, {self.cpu_median:.4f} s CPU over {len(self.wall)} runs"


def timed(fn, *args, runs):
    timing = Timing()
    value = None
    for _ in range(runs):
        value = timing.run(fn, *args)
    return timing, value


def peak_memory(fn, *args):
    gc.collect()
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def objective(result, scores):
    matched = [(e, h) for e, h in result.items() if h is not None]
    return len(matched), sum(scores[p] for p in matched)


def ratio(a, b):
    """a / b for the wall and the CPU medians, as text."""
    if a is None or b is None:
        return "n/a"
    # Two decimals: the optimal_match target (2x) is close enough that one
    # decimal would round 2.04x down to "2.0x".
    return f"{a.median / b.median:.2f}x wall, {a.cpu_median / b.cpu_median:.2f}x CPU"


def mib(n_bytes):
    return f"{n_bytes / 2**20:.1f} MiB"


def bench_stable(label, instance, runs, peer_runs, target):
    mentee_prefs, mentor_prefs, capacities = instance
    pairs = sum(len(p) for p in mentee_prefs.values())
    ours_t, ours = timed(engine.stable_match, mentee_prefs, mentor_prefs, capacities, runs=runs)
    blocking = len(engine.blocking_pairs(ours, mentee_prefs, mentor_prefs, capacities))
    peak = peak_memory(engine.stable_match, mentee_prefs, mentor_prefs, capacities)
    peer_t = identical = None
    if HospitalResident is not None:
        peer_t = Timing()
        for _ in range(peer_runs):
            theirs = peer_t.run(
                run_with_big_stack, matching_package_solve, mentee_prefs, mentor_prefs, capacities
            )
        identical = theirs == ours
    matched = sum(h is not None for h in ours.values())
    print(f"\n## stable_match: {label}")
    print(f"  pairs (mentee list entries): {pairs:,}; matched mentees: {matched:,}")
    print(f"  {'engine.stable_match':<46} {ours_t}")
    print(f"  {'matching.HospitalResident, resident-optimal':<46} {peer_t or 'n/a'}")
    print(f"  speed-up: {ratio(peer_t, ours_t)} (target >= {target}x)")
    print(f"  identical matching: {'n/a' if identical is None else identical}; blocking pairs: {blocking}")
    print(f"  peak traced memory of stable_match: {mib(peak)}")
    return {
        "case": f"stable_match {label}",
        "ours": ours_t,
        "peer": peer_t,
        "ratio": f"{ratio(peer_t, ours_t)} faster",
        "target": f">= {target}x faster",
        "check": f"identical={identical}, blocking={blocking}, peak {mib(peak)}",
    }


def bench_optimal(label, instance, runs):
    """Engine and OR-tools alternate run by run, so a busy spell on the shared
    machine slows both rather than whichever happened to be running."""
    scores, capacities = instance
    ours_t = Timing()
    peer_t = peer_obj = None
    solves = []
    if min_cost_flow is not None:
        peer_t = Timing()
    for _ in range(runs):
        ours = ours_t.run(engine.optimal_match, scores, capacities)
        if peer_t is not None:
            theirs, solve_seconds = peer_t.run(ortools_solve, scores, capacities)
            solves.append(solve_seconds)
    ours_obj = objective(ours, scores)
    if peer_t is not None:
        peer_obj = objective(theirs, scores)
    peak = peak_memory(engine.optimal_match, scores, capacities)
    same = "n/a" if peer_obj is None else ours_obj == peer_obj
    print(f"\n## optimal_match: {label}")
    print(f"  allowed pairs: {len(scores):,}")
    print(f"  {'engine.optimal_match':<46} {ours_t}")
    print(f"  {'OR-tools SimpleMinCostFlow, dict -> dict':<46} {peer_t or 'n/a'}")
    if solves:
        print(
            f"  {'  of which solve_max_flow_with_min_cost':<46} median {statistics.median(solves):.4f} s wall"
        )
    print(f"  engine / OR-tools, end to end: {ratio(ours_t, peer_t)} (target <= 2x)")
    print(f"  objective (matched, total score): engine {ours_obj}, OR-tools {peer_obj}; same: {same}")
    print(f"  peak traced memory of optimal_match: {mib(peak)}")
    return {
        "case": f"optimal_match {label}",
        "ours": ours_t,
        "peer": peer_t,
        "ratio": f"{ratio(ours_t, peer_t)} the time of OR-tools",
        "target": "<= 2x the time of OR-tools",
        "check": f"same objective={same}, peak {mib(peak)}",
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--runs", type=int, default=None, help="runs of the engine (median)")
    parser.add_argument("--peer-runs", type=int, default=None, help="runs of the matching package")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 5)
    peer_runs = args.peer_runs or (1 if args.quick else 3)
    if args.quick:
        complete = (400, 100, 4, None)
        sparse = (2000, 500, 4, 10)
    else:
        complete = (2000, 500, 4, None)
        sparse = (10000, 2500, 4, 10)

    print("# matching/engine.py benchmark")
    print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; python {platform.python_version()}; {platform.machine()}"
    )
    print(f"mode: {'quick' if args.quick else 'full'}; engine runs {runs}, matching-package runs {peer_runs}")
    if args.quick:
        print(
            "note: the targets are set for the full sizes; at --quick sizes the ratios are only a smoke check"
        )
    if HospitalResident is None or min_cost_flow is None:
        print("note: install requirements-bench.txt for the peers (missing ones show n/a)")

    rows = []
    n, m, cap, k = sparse
    label = f"{n:,} x {m:,}, capacity {cap}, {k} mentors per mentee"
    # optimal_match first, while the process is fresh: the matching package
    # grows it to about 290 MiB, which slows pure-Python code (both engines)
    # more than OR-tools' C++ and would blur the one close ratio here.  It and
    # OR-tools take a fraction of a second each, so more runs make their
    # medians steadier on a shared machine.
    optimal_runs = args.runs or (5 if args.quick else 15)
    optimal_row = bench_optimal(label + ", int scores 0..1000", score_instance(*sparse, seed=3), optimal_runs)
    n, m, cap, _ = complete
    rows.append(
        bench_stable(
            f"{n:,} x {m:,}, capacity {cap}, complete lists",
            hr_instance(*complete, seed=1),
            runs,
            peer_runs,
            100,
        )
    )
    rows.append(bench_stable(label, hr_instance(*sparse, seed=2), runs, peer_runs, 50))
    rows.append(optimal_row)

    print("\n## summary (medians: wall clock, CPU time in brackets)")
    print("| case | engine | peer | ratio | target | checks |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        ours, peer = r["ours"], r["peer"]
        ours_txt = f"{ours.median:.3f} s ({ours.cpu_median:.3f} s)"
        peer_txt = "n/a" if peer is None else f"{peer.median:.3f} s ({peer.cpu_median:.3f} s)"
        print(f"| {r['case']} | {ours_txt} | {peer_txt} | {r['ratio']} | {r['target']} | {r['check']} |")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
