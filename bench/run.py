"""`make bench`: speed ratios against the tools users would otherwise run. Never a test."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bench_check, bench_history, bench_recall, bench_rotate, bench_scale, kills

SUITES = {"recall": bench_recall.run, "heldout3": bench_recall.run_heldout3,
          "heldout4": bench_recall.run_heldout4,
          "heldout5": bench_recall.run_heldout5, "heldout6": bench_recall.run_heldout6,
          "heldout7": bench_recall.run_heldout7, "heldout8": bench_recall.run_heldout8,
          "check": bench_check.run,
          "history": bench_history.run,
          "rotate": bench_rotate.run_rotation,
          "updatekeys": bench_rotate.run_updatekeys,
          "status": bench_scale.run_status, "fleet": bench_scale.run_rotation, "kills": kills.run}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("suites", nargs="*", choices=[*SUITES, []], help="default: all")
    args = parser.parse_args()
    for name in args.suites or list(SUITES):
        print(f"== {name}", flush=True)
        for line in SUITES[name]():
            print(f"  {line}", flush=True)


if __name__ == "__main__":
    main()
