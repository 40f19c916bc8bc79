"""Matcher speed and memory on a synthetic corpus: fit, add, query p50/p95, peak RSS.

A thin command-line wrapper around :func:`matcher.bench.run_bench` (which ``innomatch bench``
calls too); the corpus is generated from the packaged dictionary of technical terms and is the
same for a given ``--seed``.

    .venv/bin/python benchmarks/matcher_bench.py --docs 10000 [--queries 1000] [--json]

Run one size per process: the resident-memory figure is the process's peak.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcher.bench import run_bench


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-pss", action="store_true",
                    help="skip the memory of processes serving the saved index")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    res = run_bench(args.docs, args.queries, args.seed, pss=not args.no_pss)
    if args.json:
        print(json.dumps(res))
    else:
        for key, value in res.items():
            print(f"{key:>22}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
