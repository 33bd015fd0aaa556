#!/usr/bin/env python3
"""Interleaved whole-process timing, for a loaded machine where sequential runs see different
loads: ROUNDS rounds; in each, every contender runs once (the order rotates), each after
PREPARE: a directory removed first, a pattern with `*` whose files are removed first, or "" for
nothing. Prints the median wall time of each contender and its ratio to the last one's median,
and the same for CPU time (user + system of the process and its children, from wait4): on a
loaded machine the wall time includes waiting for a core, the CPU time much less so.

usage: interleave.py ROUNDS PREPARE -- name=command ... (a command is split on spaces)"""
import glob, os, shutil, statistics, subprocess, sys, time
rounds = int(sys.argv[1]); prepare = sys.argv[2]
contenders = [a.split('=', 1) for a in sys.argv[4:]]
times = {n: [] for n, _ in contenders}
cpu = {n: [] for n, _ in contenders}
devnull = os.open(os.devnull, os.O_WRONLY)
for r in range(rounds):
    k = r % len(contenders)
    for name, cmd in contenders[k:] + contenders[:k]:
        if '*' in prepare:
            for path in glob.glob(prepare):
                os.remove(path)
        elif prepare:
            shutil.rmtree(prepare, ignore_errors=True)
        argv = cmd.split()
        t = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
        _, status, usage = os.wait4(pid, 0)
        dt = time.perf_counter_ns() - t
        if status != 0:
            sys.exit(f"{name} failed: {status}")
        times[name].append(dt / 1e6)
        cpu[name].append((usage.ru_utime + usage.ru_stime) * 1e3)
ref = statistics.median(times[contenders[-1][0]])
cpu_ref = statistics.median(cpu[contenders[-1][0]])
for name, _ in contenders:
    v = sorted(times[name]); m = statistics.median(v)
    print(f"{name:12s} median {m:6.2f} ms  p25 {v[len(v)//4]:6.2f}  p75 {v[3*len(v)//4]:6.2f}  min {v[0]:6.2f}  ratio to {contenders[-1][0]}: {m/ref:.2f}")
for name, _ in contenders:
    m = statistics.median(cpu[name])
    print(f"{name:12s} CPU median {m:6.2f} ms  ratio to {contenders[-1][0]}: {m/cpu_ref:.2f}")
