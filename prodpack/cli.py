"""The `prodpack` command line."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from pathlib import Path

from prodpack.prefect_api import prefect_api_configured

# Prefect reads these when it is imported. Without a server configured, a run starts a
# temporary one, which can take longer than Prefect's default 20 s on a small machine.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


BLOCKED = 3  # a blocking data-quality failure (INTERFACE.md)
# Published, but something needs the platform team: a delivery failed or a file failed to load.
NEEDS_ATTENTION = 4


def _month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a month YYYY-MM")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prodpack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="write a synthetic trust into a landing folder")
    demo.add_argument("--landing", type=Path)
    demo.add_argument("--seed", type=int, default=2019)
    demo.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1.0: a mid-size trust)")

    load = commands.add_parser("load", help="load the new files of the landing folder")
    load.add_argument("--landing", type=Path)

    run = commands.add_parser("run", help="the monthly close as one Prefect flow run")
    run.add_argument("--month", type=_month)
    run.add_argument("--landing", type=Path)
    run.add_argument("--out", type=Path)
    run.add_argument("--packs", action=argparse.BooleanOptionalAction, default=None,
                     help="write the clinical-group packs (default: at quarter-end months)")
    run.add_argument("--dry-run", action="store_true",
                     help="show the alerts and emails that would be sent, send nothing")

    backfill = commands.add_parser("backfill", help="load, then calculate every month of a range")
    backfill.add_argument("--from", dest="start", type=_month, required=True)
    backfill.add_argument("--to", dest="end", type=_month, required=True)
    backfill.add_argument("--landing", type=Path)
    backfill.add_argument("--reason", help="why the backfill is run (recorded in ops.backfill)")

    explain = commands.add_parser(
        "explain", help="one figure: its drivers, SPC reading, revision and the files behind it")
    explain.add_argument("--org", required=True, help="the trust's org code")
    explain.add_argument("--node", required=True,
                         help="the org code for the trust, or a clinical group, directorate or "
                              "service by name (any case)")
    explain.add_argument("--month", type=_month, required=True)
    explain.add_argument("--window", choices=["month", "quarter", "ytd"], default="ytd")
    explain.add_argument("--basis", choices=["base_year", "prior_year"], default="base_year")
    explain.add_argument("--level", choices=["trust", "clinical_group", "directorate", "service"],
                         help="where a name is used at two levels (default: the higher)")

    commands.add_parser("deploy", help="register the scheduled deployments with PREFECT_API_URL")

    database = commands.add_parser("db", help="database administration")
    database.add_argument("action", choices=["upgrade"])
    return parser


def _warn(line: str) -> None:
    """A line on stderr that cannot forge another line or drive the terminal: messages carry
    file names and mail servers' replies."""
    from tasks.ingest.landing import display_name

    print(display_name(line), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    # Whatever a command changes on Prefect's console is undone when it returns.
    with contextlib.ExitStack() as console:
        return _main(argv, console)


def _quiet(console: contextlib.ExitStack) -> None:
    """Prefect's own progress records off the terminal, ours and every warning on it."""
    from flows.console_log import quiet_prefect_console

    console.enter_context(quiet_prefect_console())


def _explain(args: argparse.Namespace, settings) -> int:
    """Read only, and no Prefect: an analyst's question answered from the database as it is
    (no schema upgrade either: that is `prodpack db upgrade`'s)."""
    from prodpack.explain.find import Request, Unknown
    from prodpack.explain.read import explain
    from prodpack.explain.text import render
    from tasks import db

    request = Request(org=args.org, node=args.node, month=args.month, window=args.window,
                      basis=args.basis, level=args.level)
    try:
        found = explain(db.engine(settings), request)
    except Unknown as err:
        _warn(f"prodpack explain: {err}")
        return 2
    print(render(found), end="")
    return 0


def _main(argv: list[str] | None, console: contextlib.ExitStack) -> int:
    args = _parser().parse_args(argv)
    from schemas.settings import Settings

    try:
        settings = Settings()
        if args.command == "db":
            from tasks import db

            applied = db.upgrade(db.engine(settings))
            print(f"applied {', '.join(applied)}" if applied else "database schema is up to date")
            return 0
        if args.command == "demo":
            from prodpack.demo import write_demo

            landing = args.landing or settings.landing_dir
            manifest = write_demo(landing, seed=args.seed, scale=args.scale)
            print(f"wrote {len(manifest['files'])} files for {', '.join(manifest['orgs'])} "
                  f"up to {manifest['last_month']} into {landing}")
            return 0

        if args.command == "explain":
            return _explain(args, settings)
        if args.command == "deploy":
            from prefect.settings import PREFECT_API_URL

            if not PREFECT_API_URL.value():
                raise RuntimeError("PREFECT_API_URL is not set: deploy registers the deployments "
                                   "with a running Prefect server (see the README)")
            from deployments import deploy

            registered = deploy(settings)
            for name in registered["deployments"]:
                print(f"deployment {name} on work pool {registered['work_pool']}")
            for name in registered["automations"]:
                print(f"automation {name}")
            return 0

        from tasks import db

        db.upgrade(db.engine(settings))
        if args.command == "load":
            if prefect_api_configured():
                from flows.load import load_sources

                _quiet(console)
                results = load_sources(str(args.landing) if args.landing else None)
            else:
                from tasks.ingest.load_folder import load_landing, summary

                folder = args.landing or settings.landing_dir
                results = load_landing(db.engine(settings), settings, folder)
                totals, *not_loaded = summary(results, folder)
                print(totals)
                for line in not_loaded:     # the flow prints the same lines itself
                    _warn(line)
            # A file that failed is tried again by the next run, but someone should look.
            return NEEDS_ATTENTION if any(r["status"] == "failed" for r in results) else 0
        if args.command == "run":
            from flows.monthly_close import CloseParameters, monthly_close

            _quiet(console)

            parameters = CloseParameters(
                month=args.month,
                landing=str(args.landing) if args.landing else None,
                out=str(args.out) if args.out else None,
                packs=args.packs,
                dry_run=args.dry_run,
            )
            outcome = monthly_close(parameters)
            print("\n".join(outcome["headline"]))
            for line in outcome["needs_attention"]:
                _warn(f"prodpack run: {line}")
            if outcome["blocked"]:
                for org, reasons in outcome["blocked"].items():
                    _warn(f"prodpack run: {org} {outcome['month']} not published, data quality: "
                          f"{'; '.join(reasons)}")
                return BLOCKED
            return NEEDS_ATTENTION if outcome["needs_attention"] else 0
        if args.command == "backfill":
            from flows.backfill import BackfillParameters, backfill

            _quiet(console)

            backfill(BackfillParameters(start=args.start, end=args.end, reason=args.reason,
                                        landing=str(args.landing) if args.landing else None))
            return 0
    except KeyboardInterrupt:
        print("prodpack: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 (any error: the one-line reason INTERFACE.md promises)
        reason = str(err).splitlines()[0] if str(err) else err.__class__.__name__
        _warn(f"prodpack {args.command}: {reason}")
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
