"""Voice of the client: theme recovery and sentiment accuracy against planted labels, and speed.

Prints, on labelled texts from the sample generator's templates (crmkit.sample.texts):
NMI and purity of the NMF themes against the planted themes, sentiment accuracy on all
templates and on held-out templates only (never used to write the lexicon), and the time to
analyse N texts (segmentation, masking, sentiment, TF-IDF, NMF). ::

    .venv/bin/python benchmarks/bench_voice.py            # 10,000 texts, seeds 1-3
    .venv/bin/python benchmarks/bench_voice.py --texts 2000
    # the voice stage alone on a cached run_all portfolio (collect and tier already run):
    # CPU seconds and peak memory of crmkit.voice.run, printed as JSON
    .venv/bin/python benchmarks/bench_voice.py --clients 100000
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from crmkit.params.voice import VoiceParams
from crmkit.sample.texts import labelled_texts
from crmkit.voice import analyse_texts, evaluate_texts, segment


def stage(n: int) -> dict[str, float]:
    """CPU seconds, wall seconds and peak MiB of ``crmkit.voice.run`` on run_all's cached
    ``n``-client portfolio (its collect and tier outputs must exist)."""
    import os
    import resource
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import run_all

    from crmkit.params import load_params
    from crmkit.voice import run

    params = load_params(run_all.PARAMS, run_all._overrides(n, "csv"))
    t0, c0 = time.perf_counter(), os.times()
    run(params)
    c1 = os.times()
    return {"clients": n, "cpu": round(c1.user - c0.user + c1.system - c0.system, 2),
            "wall": round(time.perf_counter() - t0, 2),
            "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=int, default=10_000)
    ap.add_argument("--eval-texts", type=int, default=2_000)
    ap.add_argument("--clients", type=int, default=None,
                    help="time the voice stage on run_all's cached portfolio of this size")
    args = ap.parse_args()
    if args.clients:
        import json

        print(json.dumps(stage(args.clients)))                      # noqa: T201
        return
    rows = []
    for split in (None, "dev", "held"):
        for seed in (1, 2, 3):
            d = labelled_texts(args.eval_texts, seed, split=split)
            r = evaluate_texts(d["text"], d["theme"], d["polarity"])
            rows.append({"templates": split or "all", "seed": seed, **r})
    table = pd.DataFrame(rows)
    print(table.round(3).to_string(index=False))                     # noqa: T201
    print(table.groupby("templates").mean(numeric_only=True).drop(columns="seed")  # noqa: T201
          .round(3).to_string())

    segment.segmenter()                       # load jieba once (about 1 s, cached on disk)
    d = labelled_texts(args.texts, 9)
    docs = pd.DataFrame({"text": pd.array(d["text"], dtype="string")})
    start = time.perf_counter()
    va = analyse_texts(docs, VoiceParams(min_texts=1))
    took = time.perf_counter() - start
    print(f"{args.texts:,} texts ({sum(map(len, d['text'])):,} characters) analysed in "  # noqa: T201
          f"{took:.2f} s ({args.texts / took:,.0f} texts/s); themes: "
          f"{va.themes['theme'].nunique()}")


if __name__ == "__main__":
    main()
