#!/usr/bin/env python3
"""Precision audit: run hegui over a directory of real copy, count hits per rule and print a
random sample of findings with their context, for judging by hand.

    scripts/audit.py ../shared/corpora/kobe_taobao_desc_test --sample 100 --seed 7

Recall audit: print random whole documents, found or not, each with its findings, so that a
reader can mark every violation in them and see which ones hegui caught.

    scripts/audit.py ../shared/corpora/sms_spam_xiaojie16 --lines-as-docs 200 --documents 60

The corpus stays where it is: nothing of it is copied into the repository.
"""

import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
import tempfile


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", help="files or directories to check")
    ap.add_argument("--sample", type=int, default=50, help="findings to print (default 50)")
    ap.add_argument("--seed", type=int, default=1, help="random seed for the sample")
    ap.add_argument("--pack", action="append", default=[], help="only this pack (repeatable)")
    ap.add_argument("--rule", action="append", default=[], help="sample only this rule (repeatable)")
    ap.add_argument("--context", type=int, default=30, help="characters of context each side")
    ap.add_argument("--hegui", default=os.environ.get("HEGUI", "target/release/hegui"))
    ap.add_argument("--lines-as-docs", type=int, metavar="N", default=0,
                    help="check N random lines of each text, CSV or JSON-lines file, each as a document of its own "
                         "(one SMS or post per line), so `requires` rules see one message at a time")
    ap.add_argument("--documents", type=int, metavar="N", default=0,
                    help="instead of sampling findings, print N random documents whole, each with "
                         "its findings (for judging recall: which violations were missed)")
    ap.add_argument("--unmask-digits", action="store_true",
                    help="with --lines-as-docs: read a lone run of x as the digits it masks "
                         "(corpora that hide numbers as xxx) and drop numeric id columns")
    args = ap.parse_args()

    paths = args.paths
    if args.lines_as_docs:
        scratch = tempfile.mkdtemp(prefix="hegui-audit-")
        paths = [split_lines(args.paths, scratch, args.lines_as_docs, args.seed, args.unmask_digits)]

    cmd = [args.hegui, "check", *paths, "--format", "jsonl", "--fail-on", "never"]
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

    if args.documents:
        print_documents(paths, findings, args.documents, args.seed)
        return 0

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


# The files read under a directory: text, CSV and JSON lines, not a corpus's SOURCE.txt.
TEXT_FILES = (".txt", ".json", ".jsonl", ".tsv", ".csv")


def files_under(root):
    """root itself if it is a file, else the text files below it, sorted."""
    if os.path.isfile(root):
        return [root]
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
                  if f.endswith(TEXT_FILES) and f != "SOURCE.txt")


def print_documents(paths, findings, n, seed):
    """Prints n random documents of the checked files whole, each followed by its findings."""
    files = [f for root in paths for f in files_under(root)]
    by_path = collections.defaultdict(list)
    for f in findings:
        by_path[f["path"]].append(f)
    print(f"\n{min(n, len(files))} random documents (mark each violation: caught / missed):")
    for i, path in enumerate(random.Random(seed).sample(files, min(n, len(files))), 1):
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read().strip().replace("\n", "⏎")
        found = ", ".join(f"{f['rule']}「{f['matched']}」" for f in by_path.get(path, [])) or "-"
        print(f"{i:>3}. {text}\n     → {found}")


# Leading tab-separated numeric fields (a message id, a label) are not part of the message.
ID_COLUMNS = re.compile(r"^(?:\d+\t)+")
# A run of x that stands alone (not part of a Latin word) masks digits: 原价xxx元.
MASKED = re.compile(r"(?<![A-Za-z])x+(?![A-Za-z])")


def unmasked(line):
    return MASKED.sub(lambda m: "8" * len(m.group()), ID_COLUMNS.sub("", line))


def split_lines(paths, scratch, n, seed, unmask=False):
    """Writes n random non-empty lines of every text, CSV or JSON-lines file under paths into
    scratch, one file per line, named after the source file and line number."""
    rng = random.Random(seed)
    for root in paths:
        for path in files_under(root):
            with open(path, encoding="utf-8", errors="replace") as fh:
                lines = [(i, l.strip()) for i, l in enumerate(fh, 1) if l.strip()]
            stem = os.path.relpath(path).replace(os.sep, "__").replace("..", "up")
            for i, line in rng.sample(lines, min(n, len(lines))):
                with open(os.path.join(scratch, f"{stem}__L{i}.txt"), "w", encoding="utf-8") as out:
                    out.write((unmasked(line) if unmask else line) + "\n")
    return scratch


if __name__ == "__main__":
    sys.exit(main())
