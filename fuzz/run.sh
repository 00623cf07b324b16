#!/usr/bin/env bash
# Fuzz one parser: fuzz/run.sh PARSER SECONDS [libFuzzer flags...]
#
# Seeds and earlier finds come from tests/fuzz_corpus/PARSER/. New inputs are collected in a
# temporary directory, then merged back: only those that add coverage are kept, named
# cov-<sha1>, smallest first, until the directory holds MAX_FILES files or MAX_BYTES bytes.
# A crashing input is written as tests/fuzz_corpus/PARSER/crash-<sha1> (timeout-, oom- alike).
# Needs atheris (pip install atheris); CI only replays the corpus (tests/test_fuzz_regressions.py).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: fuzz/run.sh PARSER SECONDS [libFuzzer flags...]" >&2
  exit 2
fi
name=$1 seconds=$2
shift 2
python=${PYTHON:-python3}
# libFuzzer re-runs the fuzzer by its path for -merge: its "env python3" must be this one.
export PATH="$(dirname "$(command -v "$python")"):$PATH"
corpus=tests/fuzz_corpus/$name
max_files=${MAX_FILES:-50} max_bytes=${MAX_BYTES:-200000}
[ -f "fuzz/fuzz_$name.py" ] || { echo "no fuzzer fuzz/fuzz_$name.py" >&2; exit 2; }
work=$(mktemp -d)
merged=$(mktemp -d)
trap 'rm -rf "$work" "$merged"' EXIT
export PYTHONPATH=.
status=0
"$python" "fuzz/fuzz_$name.py" "$work" "$corpus" -max_total_time="$seconds" -max_len=8192 \
  -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$corpus/" -print_final_stats=1 \
  "$@" || status=$?
# Keep what adds coverage beyond the committed corpus (crash files are not re-run).
cp "$corpus"/seed-* "$corpus"/cov-* "$merged"/ 2>/dev/null || true
"$python" "fuzz/fuzz_$name.py" -merge=1 "$merged" "$work" >/dev/null 2>&1 || true
# Smallest first; libFuzzer names inputs by their SHA-1, so the names are plain words.
for base in $(ls -Sr "$merged"); do
  case $base in seed-*|cov-*) continue ;; esac
  size=$(wc -c < "$merged/$base")
  files=$(find "$corpus" -type f | wc -l)
  bytes=$(cat "$corpus"/* | wc -c)
  if [ "$files" -ge "$max_files" ] || [ $((bytes + size)) -gt "$max_bytes" ]; then
    break
  fi
  cp "$merged/$base" "$corpus/cov-$base"
done
exit "$status"
