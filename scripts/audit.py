#!/usr/bin/env python3
"""Precision audit: run hegui over a directory of real copy, count hits per rule and print a
random sample of findings with their context, for judging by hand.

    scripts/audit.py ../shared/corpora/kobe_taobao_desc_test --sample 100 --seed 7

The corpus stays where it is: nothing of it is copied into the repository.
"""

import argparse
import collections
import json
import os
import random
import subprocess
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", help="files or directories to check")
    ap.add_argument("--sample", type=int, default=50, help="findings to print (default 50)")
    ap.add_argument("--seed", type=int, default=1, help="random seed for the sample")
    ap.add_argument("--pack", action="append", default=[], help="only this pack (repeatable)")
    ap.add_argument("--rule", action="append", default=[], help="sample only this rule (repeatable)")
    ap.add_argument("--context", type=int, default=30, help="characters of context each side")
    ap.add_argument("--hegui", default=os.environ.get("HEGUI", "target/release/hegui"))
    args = ap.parse_args()

    cmd = [args.hegui, "check", *args.paths, "--format", "jsonl", "--fail-on", "never"]
    for p in args.pack:
        cmd += ["--pack", p]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode == 2:
        sys.stderr.write(proc.stderr)
        return 2

    findings, errors, summary = [], [], {}
    for line in proc.stdout.splitlines():
        rec = json.loads(line)
        kind = rec.pop("type")
        if kind == "finding":
            findings.append(rec)
        elif kind == "error":
            errors.append(rec)
        else:
            summary = rec

    per_rule = collections.Counter((f["rule"], f["name"]) for f in findings)
    print(f"files {summary.get('files')}  findings {len(findings)}  errors {len(errors)}")
    print("\nhits per rule:")
    for (rule, name), n in sorted(per_rule.items()):
        print(f"  {rule:<7} {n:>6}  {name}")

    pool = [f for f in findings if not args.rule or f["rule"] in args.rule]
    random.Random(args.seed).shuffle(pool)
    texts = {}
    print(f"\nsample of {min(args.sample, len(pool))} findings (judge each: right / wrong):")
    for i, f in enumerate(pool[: args.sample], 1):
        path = f["path"]
        if path not in texts:
            with open(path, "rb") as fh:
                texts[path] = fh.read()
        raw = texts[path]
        before = raw[max(0, f["byte_start"] - 4 * args.context): f["byte_start"]].decode("utf-8", "ignore")
        after = raw[f["byte_end"]: f["byte_end"] + 4 * args.context].decode("utf-8", "ignore")
        before = before.replace("\n", "⏎")[-args.context:]
        after = after.replace("\n", "⏎")[: args.context]
        print(f"{i:>3}. {f['rule']} {path}:{f['line']}:{f['column']}  …{before}【{f['matched']}】{after}…")
    return 0


if __name__ == "__main__":
    sys.exit(main())
