#!/usr/bin/env bash
# Throughput of hegui against ripgrep on the same files and the same literal terms.
#
#   scripts/bench.sh CORPUS_DIR [SIZE_MB]
#
# Builds a SIZE_MB (default 64) text corpus from the .txt/.csv/.json files under CORPUS_DIR
# (e.g. ../shared/corpora) in a temporary directory — never in the repository — then times:
#   hegui check --threads 1 --format json   vs   rg -j1 -F -c -f <(hegui rules --terms)
# and both with all cores, plus hegui on a one-line file (start-up), then the peak memory of a
# check of a 1 GB JSONL archive (ARCHIVE_MB). Needs hyperfine and rg.
set -euo pipefail
corpus=$(realpath "${1:?usage: scripts/bench.sh CORPUS_DIR [SIZE_MB]}")
size_mb=${2:-64}
cd "$(dirname "$0")/.."
for tool in rg hyperfine; do
  command -v "$tool" >/dev/null || { echo "bench: needs $tool (apt-get install ripgrep hyperfine)" >&2; exit 2; }
done
cargo build --release --quiet
hegui=$PWD/target/release/hegui
# BENCH_WORK=DIR keeps the built corpus there (outside the repository) for profiling and reruns.
if [ -n "${BENCH_WORK:-}" ]; then
  work=$BENCH_WORK
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/data"
# Concatenate real text up to the target size, then cut it at line ends into 4 files so that
# threads have work to share.
if [ ! -s "$work/data/part0.txt" ]; then
  find "$corpus" -type f \( -name '*.txt' -o -name '*.csv' -o -name '*.json' -o -name '*.jsonl' -o -name '*.tsv' \) \
    ! -name SOURCE.txt | sort > "$work/list"
  target=$((size_mb * 1024 * 1024))
  : > "$work/raw"
  while [ "$(stat -c %s "$work/raw")" -lt "$target" ]; do
    while read -r f && [ "$(stat -c %s "$work/raw")" -lt "$target" ]; do
      iconv -f utf-8 -t utf-8 -c "$f" >> "$work/raw" 2>/dev/null || true
    done < "$work/list"
  done
  head -c "$target" "$work/raw" | iconv -f utf-8 -t utf-8 -c > "$work/all" || true
  rm "$work/raw"
  (cd "$work/data" && split -n l/4 -d -a 1 --additional-suffix=.txt "$work/all" part && rm "$work/all")
fi
bytes=$(du -cb "$work"/data/*.txt | tail -1 | cut -f1)
"$hegui" rules --terms > "$work/terms"
echo "最佳" > "$work/one.txt"
# The first 8 MiB of the corpus as one line, as in a JSON export without line breaks: regexes
# that reach to the ends of their line must not search back to its start for every candidate.
head -c $((8 * 1024 * 1024)) "$work/data/part0.txt" | tr '\n' ' ' | iconv -f utf-8 -t utf-8 -c > "$work/one-line-8mb.txt" 2>/dev/null || true
echo "corpus: $((bytes / 1024 / 1024)) MiB in 4 files; $(wc -l < "$work/terms") literal terms; $(nproc) cores"

hyperfine --style basic --warmup 1 --runs "${RUNS:-5}" --ignore-failure --export-json "$work/t.json" \
  -n "hegui -j1" "$hegui check --threads 1 --format json --fail-on never $work/data > /dev/null" \
  -n "rg -j1"    "rg -j1 -F -c -f $work/terms $work/data > /dev/null" \
  -n "hegui"     "$hegui check --format json --fail-on never $work/data > /dev/null" \
  -n "rg"        "rg -F -c -f $work/terms $work/data > /dev/null" \
  -n "hegui -j1, one 8 MiB line" "$hegui check --threads 1 --format json --fail-on never $work/one-line-8mb.txt > /dev/null" \
  > /dev/null
# Start-up takes milliseconds, so a few runs say little on a shared machine: many more.
hyperfine --style basic -N --warmup 5 --runs "${STARTUP_RUNS:-100}" --ignore-failure --export-json "$work/s.json" \
  -n "hegui one-line file" "$hegui check --format json --fail-on never $work/one.txt" \
  > /dev/null
python3 - "$work/t.json" "$work/s.json" "$bytes" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"] + json.load(open(sys.argv[2]))["results"]
res = {r["command"]: r["mean"] for r in runs}
median = {r["command"]: r["median"] for r in runs}
mib = int(sys.argv[3]) / 1048576
print(f"| run | mean | median | MiB/s |")
print(f"|---|---|---|---|")
for name, t in res.items():
    rate = "" if "one-line" in name else f"{8 / t:.0f}" if "8 MiB" in name else f"{mib / t:.0f}"
    print(f"| {name} | {t * 1000:.1f} ms | {median[name] * 1000:.1f} ms | {rate} |")
print()
print(f"hegui/rg time ratio, one thread: {res['hegui -j1'] / res['rg -j1']:.2f}")
print(f"hegui/rg time ratio, all cores:  {res['hegui'] / res['rg']:.2f}")
print(f"hegui speed-up, all cores vs one: {res['hegui -j1'] / res['hegui']:.2f}x")
PY

# Peak memory on an archive: ARCHIVE_MB (default 1024) of JSON lines, the corpus's .jsonl and
# JSON-lines files (spam mails, product copy) repeated, checked with all cores as an auditor
# would. ARCHIVE_MB=0 skips it.
archive_mb=${ARCHIVE_MB:-1024}
if [ "$archive_mb" -gt 0 ]; then
  archive=$work/archive-${archive_mb}mb.jsonl
  if [ ! -s "$archive" ]; then
    find "$corpus" -type f \( -name '*.jsonl' -o -name '*.json' \) | sort | while read -r f; do
      [ "$(head -c 1 "$f")" = "{" ] && [ "$(head -n 2 "$f" | wc -l)" -ge 2 ] && echo "$f"
    done > "$work/jsonl-list"
    [ -s "$work/jsonl-list" ] || { echo "bench: no JSON-lines files under $corpus" >&2; exit 2; }
    : > "$archive"
    while [ "$(stat -c %s "$archive")" -lt $((archive_mb * 1024 * 1024)) ]; do
      # sed adds the line break a file may lack at its end, so records never run together.
      while read -r f; do sed -e '$a\' "$f" >> "$archive"; done < "$work/jsonl-list"
    done
  fi
  python3 - "$hegui" "$archive" <<'PY'
import os, re, resource, subprocess, sys, time
hegui, archive = sys.argv[1], sys.argv[2]
with open(archive + ".out", "w+b") as out:
    started = time.monotonic()
    subprocess.run([hegui, "check", "--format", "json", "--fail-on", "never", archive],
                   stdout=out, check=False)
    wall = time.monotonic() - started
    # The summary closes the document.
    out.seek(max(0, out.seek(0, 2) - 4096))
    findings = re.findall(rb'"findings": (\d+)', out.read())[-1].decode()
os.remove(archive + ".out")
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"\narchive: {os.path.getsize(archive) / 1048576:.0f} MiB of JSONL, all cores: "
      f"{wall:.1f} s, {findings} findings, peak memory {peak_kb / 1024:.0f} MiB")
PY
fi
