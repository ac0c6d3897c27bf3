"""Check that an optimisation left the results unchanged: run the stages, compare the tables.

Usage::

    # run every stage's library runner on the sample portfolio into a folder
    .venv/bin/python benchmarks/compare_outputs.py run /tmp/before
    # (change the code) ... and again
    .venv/bin/python benchmarks/compare_outputs.py run /tmp/after
    # compare every Parquet table (and the CSV outputs) of the two runs
    .venv/bin/python benchmarks/compare_outputs.py compare /tmp/before /tmp/after

    # a run of the committed code, untouched by the working tree:
    git archive HEAD lib templates | tar -x -C /tmp/base   # templates: the voice theme names
    PYTHONPATH=/tmp/base/lib .venv/bin/python benchmarks/compare_outputs.py run /tmp/before

``run`` takes ``--params`` (default ``parameters/sample.yaml``) and ``--stages``. ``compare``
uses :func:`pandas.testing.assert_frame_equal` on every table both runs wrote; with
``--ignore-dtypes`` (the default) a column whose values are equal but whose dtype moved
(say ``object`` → Arrow-backed ``string``) counts as equal, and the dtype change is listed.
Exits 1 when any table differs or is missing on one side.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
#: Every stage, in the order ``crmkit run`` runs them (relate and needs feed warn and diagnose).
STAGES = ("collect", "score", "tier", "relate", "needs", "warn", "diagnose", "report")


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def run_stages(params_file: Path, out: Path, stages: tuple[str, ...] = STAGES) -> Path:
    """Run the stages' library runners for ``params_file`` with ``output_dir`` = ``out``."""
    import importlib

    from crmkit.params import load_params

    params = load_params(params_file, {"output_dir": str(Path(out).resolve())})
    for stage in stages:
        importlib.import_module(f"crmkit.{stage}").run(params)
    return params.run_dir


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, encoding="utf-8-sig")


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Plain numpy/object dtypes, so Arrow-backed and numpy-backed columns compare by value."""
    out = {}
    for col in df.columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        elif isinstance(s.dtype, (pd.StringDtype, pd.ArrowDtype)) or s.dtype == object:
            s = s.astype(object).where(s.notna(), None)
        elif pd.api.types.is_extension_array_dtype(s.dtype):
            try:
                s = s.astype("float64") if s.dtype.kind in "iuf" else s.astype(object)
            except (TypeError, ValueError):
                s = s.astype(object)
        elif s.dtype.kind in "iu":
            s = s.astype("float64")
        out[col] = s
    return pd.DataFrame(out, index=df.index)


def compare_tables(a: pd.DataFrame, b: pd.DataFrame, ignore_dtypes: bool = True) -> str | None:
    """None when equal; else the first difference, as assert_frame_equal words it."""
    try:
        if ignore_dtypes:
            pd.testing.assert_frame_equal(_normalise(a), _normalise(b), check_dtype=False,
                                          check_exact=False, rtol=1e-9, atol=1e-12)
        else:
            pd.testing.assert_frame_equal(a, b)
    except AssertionError as exc:
        return str(exc).strip().splitlines()[0] + " ... " + " ".join(str(exc).split())[:400]
    return None


def compare_runs(before: Path, after: Path, ignore_dtypes: bool = True) -> int:
    """Compare every ``*.parquet`` and ``*.csv`` under two run folders; the count that differ."""
    files = sorted({p.relative_to(before) for p in before.rglob("*")
                    if p.suffix in (".parquet", ".csv")}
                   | {p.relative_to(after) for p in after.rglob("*")
                      if p.suffix in (".parquet", ".csv")})
    bad = 0
    for rel in files:
        pa, pb = before / rel, after / rel
        if not pa.is_file() or not pb.is_file():
            _say(f"MISSING  {rel} ({'before' if not pa.is_file() else 'after'})")
            bad += 1
            continue
        a, b = _read(pa), _read(pb)
        diff = compare_tables(a, b, ignore_dtypes)
        moved = [f"{c}: {a[c].dtype}→{b[c].dtype}" for c in a.columns
                 if c in b.columns and str(a[c].dtype) != str(b[c].dtype)]
        if diff:
            bad += 1
            _say(f"DIFFERS  {rel}: {diff}")
        else:
            _say(f"same     {rel} ({len(a)} rows)" + (f"; dtypes {', '.join(moved)}"
                                                        if moved else ""))
    _say(f"{len(files) - bad} of {len(files)} tables identical")
    return bad


def _find_run(folder: Path) -> Path:
    """The run folder (the one holding ``collect/``) inside ``folder``, or ``folder`` itself."""
    hits = sorted(p.parent for p in Path(folder).rglob("collect") if p.is_dir())
    return hits[0] if hits else Path(folder)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run the stages into OUT")
    r.add_argument("out", type=Path)
    r.add_argument("--params", type=Path, default=ROOT / "parameters" / "sample.yaml")
    r.add_argument("--stages", default=",".join(STAGES))
    c = sub.add_parser("compare", help="compare the tables of two runs")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("--strict-dtypes", action="store_true")
    a = ap.parse_args(argv)
    if a.cmd == "run":
        run_dir = run_stages(a.params, a.out, tuple(a.stages.split(",")))
        _say(f"wrote {run_dir}")
        return 0
    return 1 if compare_runs(_find_run(a.before), _find_run(a.after),
                             not a.strict_dtypes) else 0


if __name__ == "__main__":
    sys.exit(main())
