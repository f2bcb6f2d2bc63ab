#!/usr/bin/env python3
"""Summarises an Autobahn|Testsuite client report (reports/clients/index.json) for one agent.

index.json maps agent -> case id -> {"behavior", "behaviorClose", "duration", ...}. A case
fails when its behavior or behaviorClose is FAILED, WRONG CODE, UNCLEAN or FAILED BY CLIENT,
or UNIMPLEMENTED (isows implements permessage-deflate, so cases 12.* and 13.* must run).
Prints the counts per verdict, the non-OK case ids, and a last line
`autobahn: N passed, N failed`; exits 1 if any case failed or the agent is missing.
"""
import argparse
import collections
import json
import os
import sys

FAIL = {"FAILED", "WRONG CODE", "UNCLEAN", "FAILED BY CLIENT", "UNIMPLEMENTED"}
ORDER = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED",
         "WRONG CODE", "UNCLEAN", "FAILED BY CLIENT"]


def case_key(case_id):
    return tuple(int(p) if p.isdigit() else p for p in case_id.split("."))


def tally(cases, field):
    c = collections.Counter(v.get(field) for v in cases.values())
    keys = [k for k in ORDER if k in c] + sorted(str(k) for k in c if k not in ORDER)
    return ", ".join("%s %d" % (k, c[k]) for k in keys)


def ids(names, limit=40):
    names = sorted(names, key=case_key)
    more = " ... (+%d)" % (len(names) - limit) if len(names) > limit else ""
    return " ".join(names[:limit]) + more


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("path", help="index.json, or the folder that holds it")
    ap.add_argument("--agent", required=True)
    args = ap.parse_args()
    path = os.path.join(args.path, "index.json") if os.path.isdir(args.path) else args.path
    with open(path) as f:
        index = json.load(f)
    cases = index.get(args.agent)
    if cases is None:
        print("agent %s: not in %s" % (args.agent, path))
        print("autobahn: 0 passed, 1 failed")
        sys.exit(1)
    print("agent %s: %d cases" % (args.agent, len(cases)))
    print("  behavior:      " + tally(cases, "behavior"))
    print("  behaviorClose: " + tally(cases, "behaviorClose"))
    by_behavior = collections.defaultdict(list)
    for k, v in cases.items():
        by_behavior[v.get("behavior")].append(k)
    for b in sorted(by_behavior, key=str):
        if b != "OK":
            print("  %s: %s" % (b, ids(by_behavior[b])))
    failed = [k for k, v in cases.items()
              if v.get("behavior") in FAIL or v.get("behaviorClose") in FAIL]
    if failed:
        print("  failed: " + ids(failed))
    print("autobahn: %d passed, %d failed" % (len(cases) - len(failed), len(failed)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
