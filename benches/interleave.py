#!/usr/bin/env python3
"""Interleaved whole-process timing, for a loaded machine where sequential runs see different
loads: ROUNDS rounds; in each, every contender runs once (the order rotates), each after
PREPARE (a directory removed first, or "" for none). Prints the median wall time of each
contender and its ratio to the last one's median.

usage: interleave.py ROUNDS PREPARE_DIR -- name=command ... (a command is split on spaces)"""
import os, shutil, statistics, subprocess, sys, time
rounds = int(sys.argv[1]); prepare = sys.argv[2]
contenders = [a.split('=', 1) for a in sys.argv[4:]]
times = {n: [] for n, _ in contenders}
devnull = os.open(os.devnull, os.O_WRONLY)
for r in range(rounds):
    k = r % len(contenders)
    for name, cmd in contenders[k:] + contenders[:k]:
        if prepare:
            shutil.rmtree(prepare, ignore_errors=True)
        argv = cmd.split()
        t = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
        _, status = os.waitpid(pid, 0)
        dt = time.perf_counter_ns() - t
        if status != 0:
            sys.exit(f"{name} failed: {status}")
        times[name].append(dt / 1e6)
ref = statistics.median(times[contenders[-1][0]])
for name, _ in contenders:
    v = sorted(times[name]); m = statistics.median(v)
    print(f"{name:12s} median {m:6.2f} ms  p25 {v[len(v)//4]:6.2f}  p75 {v[3*len(v)//4]:6.2f}  min {v[0]:6.2f}  ratio to {contenders[-1][0]}: {m/ref:.2f}")
