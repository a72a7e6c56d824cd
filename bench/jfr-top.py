#!/usr/bin/env python3
"""Aggregates `jfr print --events jdk.ExecutionSample` output: top leaf frames, top io.adagio frames,
and the most frequent frames anywhere on the stack (inclusive). Usage: jfr-top.py samples.txt [N]"""
import collections, re, sys

text = open(sys.argv[1]).read()
n = int(sys.argv[2]) if len(sys.argv) > 2 else 25
events = text.split("jdk.ExecutionSample")
leaf, adagio, incl, threads = collections.Counter(), collections.Counter(), collections.Counter(), collections.Counter()
total = 0
for ev in events[1:]:
    m = re.search(r"stackTrace = \[(.*?)\n\s*\]", ev, re.S)
    if not m:
        continue
    frames = [re.sub(r"\s+line:.*", "", f.strip()) for f in m.group(1).strip().split("\n") if f.strip() and f.strip() != "..."]
    if not frames:
        continue
    t = re.search(r'sampledThread = "([^"]*)"', ev)
    threads[re.sub(r"\d+", "N", t.group(1)) if t else "?"] += 1
    total += 1
    leaf[frames[0]] += 1
    for f in frames:
        if f.startswith("io.adagio"):
            adagio[f] += 1
            break
    for f in set(frames):
        incl[f] += 1

def show(title, c):
    print(f"\n## {title} (of {total} samples)")
    for f, k in c.most_common(n):
        print(f"{100 * k / total:5.1f}%  {f}")

show("threads", threads)
show("leaf frames", leaf)
show("first io.adagio frame", adagio)
show("inclusive (anywhere on the stack)", incl)
