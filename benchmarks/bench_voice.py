"""Voice of the client: theme recovery and sentiment accuracy against planted labels, and speed.

Prints, on labelled texts from the sample generator's templates (crmkit.sample.texts):
NMI and purity of the NMF themes against the planted themes, sentiment accuracy on all
templates and on held-out templates only (never used to write the lexicon), and the time to
analyse N texts (segmentation, masking, sentiment, TF-IDF, NMF). ::

    .venv/bin/python benchmarks/bench_voice.py            # 10,000 texts, seeds 1-3
    .venv/bin/python benchmarks/bench_voice.py --texts 2000
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from crmkit.params.voice import VoiceParams
from crmkit.sample.texts import labelled_texts
from crmkit.voice import analyse_texts, evaluate_texts, segment


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=int, default=10_000)
    ap.add_argument("--eval-texts", type=int, default=2_000)
    args = ap.parse_args()
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
