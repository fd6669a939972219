"""Benchmark: validate generated records with every rule (issue 3; goal ≥ 20,000 records/s).

    .venv/bin/python benchmarks/validate_records.py [--records 100000]

Generates the records first (not timed), then times normalization plus all strong
and weak rules, including the cross-record near-copy index (W19) and last year's
revenue (W20) supplied as derived values, on one process.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.domain.records import synthetic  # noqa: E402
from app.domain.records.normalize import Lookups  # noqa: E402
from app.domain.records.similarity import SimilarityIndex  # noqa: E402
from app.domain.records.validation import Validator  # noqa: E402
from app.services.platform.setup import REGIONS_DIR  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()

    from app.domain.regions import load_regions

    counties = [r for r in load_regions(REGIONS_DIR) if r.level == "county"
                and r.code.startswith("21")]
    names = {r.full_name: r.code for r in counties}
    lookups = Lookups("21", names, frozenset(r.code for r in counties),
                      frozenset({"工商银行", "中国银行", "建设银行", "招商银行"}))
    rng = random.Random(7)
    started = time.perf_counter()
    records = [synthetic.record(rng, rng.choice(counties).code, i, 2025,
                                synthetic.FLAWS[i % 12] if i % 12 < len(synthetic.FLAWS)
                                else "none")
               for i in range(args.records)]
    generated = time.perf_counter() - started

    validator = Validator(2025, lookups)
    # A batch allocates millions of short-lived objects and no cycles: the batch
    # service validates with the cyclic collector paused, as here.
    gc.collect()
    gc.freeze()
    gc.disable()
    started = time.perf_counter()
    normalized = [validator.normalize(raw) for raw in records]
    index = SimilarityIndex()
    for i, (values, _f, _n, _u) in enumerate(normalized):
        index.add(i, values)
    errors = warnings = 0
    for i, (values, findings, _notes, unusable) in enumerate(normalized):
        derived = {"similar_figures": index.similar_figures(i),
                   "last_year_revenue": values.get("revenue_prev")}
        findings = findings + validator.run_rules(values, unusable, derived)
        errors += any(f.severity != "weak" for f in findings)
        warnings += any(f.severity == "weak" for f in findings)
    elapsed = time.perf_counter() - started
    gc.enable()

    print(f"records: {args.records}; generated in {generated:.1f} s (not counted)")
    print(f"validated in {elapsed:.2f} s: {args.records / elapsed:,.0f} records/s")
    print(f"records with errors: {errors}; with warnings: {warnings}")


if __name__ == "__main__":
    main()
