"""The ``crmkit`` command: ``sample``, ``template``, ``contract``, ``collect``, ``run``, ``plan``,
``export``, ``fit``,
``dashboard``.

The command only parses arguments and calls the library; errors crmkit raises on purpose are
printed as one clear message (exit code 2), never as a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from crmkit.core.errors import CrmkitError

__all__ = ["main", "build_parser"]


def _date(s: str) -> dt.date:
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a date; write YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="crmkit", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("sample", help="generate a synthetic sample portfolio")
    s.add_argument("--clients", type=int, default=300)
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--as-of", type=_date, default=dt.date(2026, 9, 30))
    s.add_argument("--format", choices=["csv", "parquet"], default="csv")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--stressed", action="store_true",
                   help="a stressed book for teaching: ~20 %% defaults, thin DSCRs, high leverage")
    s.add_argument("--with-errors", action="store_true",
                   help="append one bad row per quarantine reason (as in data/sample)")

    t = sub.add_parser("template", help="write the blank data-collection workbook")
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--lang", choices=["zh", "en"], default="zh")

    d = sub.add_parser("contract", help="write the data-contract page (docs/data-contract.md)")
    d.add_argument("--out", type=Path, default=None, help="file to write (default: stdout)")

    c = sub.add_parser("collect", help="run only the collect stage (no notebook)")
    c.add_argument("params", type=Path)

    r = sub.add_parser("run", help="run every stage notebook for one or more portfolios")
    r.add_argument("params", nargs="+", type=Path,
                   help="parameters files, or folders of them")
    r.add_argument("--stages", default=None,
                   help="comma-separated stage names (default: all)")
    r.add_argument("--workers", type=int, default=None)
    r.add_argument("--resume", action="store_true")
    r.add_argument("--executor", choices=["local", "dask"], default="local")
    r.add_argument("--scheduler", default=None, help="Dask scheduler address")
    r.add_argument("--quiet", action="store_true")

    pl = sub.add_parser("plan", help="design financing plans headless: print and save them")
    pl.add_argument("params", type=Path)
    pl.add_argument("--client", nargs="+", required=True, help="client IDs")
    pl.add_argument("--terms", type=Path, default=None, help="YAML of terms (docs/plans.md)")
    pl.add_argument("--no-save", action="store_true", help="print only, write no plan file")
    pl.add_argument("--rows", type=int, default=None, help="schedule rows to print")

    f = sub.add_parser("fit", help="fit models on your own labelled tables (docs/own-data.md)")
    f.add_argument("params", type=Path, help="parameters file with credit.training and/or "
                   "churn.training")
    f.add_argument("--only", choices=["credit", "churn"], default=None)

    db = sub.add_parser("dashboard", help="the managers' dashboard in the browser "
                        "(docs/dashboard.md)")
    db.add_argument("params", nargs="+", type=Path, help="parameters files, or folders of them")
    db.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default 127.0.0.1; any other needs a token)")
    db.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    db.add_argument("--token", default=None, help="access token required in the URL "
                    "(or CRMKIT_DASHBOARD_TOKEN); mandatory when --host is not loopback")

    e = sub.add_parser("export", help="export runs for BI tools (docs/bi.md)")
    e.add_argument("--bi", type=Path, required=True, metavar="DIR",
                   help="extract folder: a star schema per portfolio, as-of dates appended")
    e.add_argument("params", nargs="+", type=Path, help="parameters files, or folders of them")
    return p


def _cmd_sample(a: argparse.Namespace) -> int:
    from crmkit.sample.portfolio import write_portfolio
    from crmkit.sample.spec import STRESSED

    write_portfolio(a.out, n_clients=a.clients, seed=a.seed, as_of=a.as_of, fmt=a.format,
                    with_errors=a.with_errors, planted=STRESSED if a.stressed else None)
    _say(f"wrote a {a.clients}-client sample portfolio to {a.out}")
    return 0


def _cmd_template(a: argparse.Namespace) -> int:
    from crmkit.collect.template import write_template

    path = write_template(a.out, lang=a.lang)
    _say(f"wrote the data-collection template to {path}")
    return 0


def _cmd_contract(a: argparse.Namespace) -> int:
    from crmkit.collect.contract_doc import main as contract_main

    return contract_main([str(a.out)] if a.out else [])


def _cmd_collect(a: argparse.Namespace) -> int:
    from crmkit.collect import run
    from crmkit.params import load_params

    params = load_params(a.params)
    result = run(params)
    _say(result.summary[["table", "rows_read", "rows_kept", "rows_quarantined"]]
         .to_string(index=False))
    _say(f"outputs in {params.run_dir / 'collect'}")
    return 0


def _cmd_plan(a: argparse.Namespace) -> int:
    from crmkit.params import load_params
    from crmkit.plan.headless import plan_clients, read_terms_file
    from crmkit.plan.views import plan_text

    params = load_params(a.params)
    for plan, path in plan_clients(params, a.client, read_terms_file(a.terms),
                                   save=not a.no_save, source=str(a.terms or "terms")):
        _say(plan_text(plan, params.language, a.rows))
        _say(f"\nsaved {path}\n" if path else "")
    return 0


def _cmd_fit(a: argparse.Namespace) -> int:
    from crmkit.params import load_params
    from crmkit.warn.churn_training import fit_all

    for report in fit_all(load_params(a.params), only=a.only):
        _say(report.text() + "\n")
    return 0


def _cmd_export(a: argparse.Namespace) -> int:
    from crmkit.batch.runner import expand_params
    from crmkit.bi import export_bi
    from crmkit.params import load_params

    for path in expand_params(a.params):
        result = export_bi(load_params(path), a.bi)
        _say(f"{result.folder}: as-of dates {', '.join(result.dates)}")
    return 0


def _cmd_dashboard(a: argparse.Namespace) -> int:
    from crmkit.dashboard.server import start, wait

    server = start(a.params, host=a.host, port=a.port, token=a.token)
    _say(f"dashboard: {server.url}  (Ctrl+C stops it)")
    sys.stdout.flush()
    return wait(server)


def _cmd_run(a: argparse.Namespace) -> int:
    from crmkit.batch.runner import run_portfolios

    stages = a.stages.split(",") if a.stages else None
    summary = run_portfolios(a.params, stages=stages, workers=a.workers, resume=a.resume,
                             executor=a.executor, scheduler=a.scheduler,
                             progress=not a.quiet)
    return 0 if all(r.ok for r in summary) else 1


def _say(msg: str) -> None:
    sys.stdout.write(f"{msg}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``crmkit`` console script."""
    args = build_parser().parse_args(argv)
    handler = {"sample": _cmd_sample, "template": _cmd_template, "contract": _cmd_contract,
               "collect": _cmd_collect, "run": _cmd_run, "plan": _cmd_plan,
               "export": _cmd_export, "fit": _cmd_fit,
               "dashboard": _cmd_dashboard}[args.command]
    try:
        return handler(args)
    except CrmkitError as exc:
        sys.stderr.write(f"crmkit: error: {exc}\n")
        return 2
    except KeyboardInterrupt as exc:
        sys.stderr.write("crmkit: interrupted; completed outputs are intact; rerun (with "
                         "--resume) to finish\n")
        return int(getattr(exc, "exit_code", 130))


if __name__ == "__main__":
    raise SystemExit(main())
