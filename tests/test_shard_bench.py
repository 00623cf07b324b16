"""The shard benchmark (bench/shard_bench.py) runs end to end on a small organisation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def test_three_merged_shards_are_the_unsharded_report(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "bench/shard_bench.py", "--repos", "12", "--shards",
                           "3", "--workdir", str(tmp_path)], cwd=PROJECT, capture_output=True,
                          text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "merged == unsharded: yes" in lines
    per_shard = next(line for line in lines if line.startswith("repositories per shard"))
    sizes = [int(n) for n in per_shard.removeprefix("repositories per shard").split("/")]
    assert len(sizes) == 3 and sum(sizes) == 12
