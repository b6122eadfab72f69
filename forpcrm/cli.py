"""The `forpcrm` console script: thin wrappers over management commands.

    forpcrm serve [--host H] [--port P]      migrate and serve (development server)
    forpcrm demo [--serve]                   migrate, load the demo data (idempotent), optionally serve
    forpcrm import customers FILE [--mapping PRESET] [...]
    forpcrm export customers --format xlsx --output F [--user U] [--filter k=v]
    forpcrm pool-rules                       apply the public-pool return rules once
    forpcrm reminders [--loop SECONDS] [--all-jobs]   send the due reminders (once, or every SECONDS)
    forpcrm backup [--output F]              dump all data to a JSON file
    forpcrm restore FILE                     load a dump made by backup
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forpcrm.settings")
    import django

    django.setup()


def _call(name: str, *args: str, **options) -> None:
    from django.core.management import call_command

    call_command(name, *args, **options)


def _migrate() -> None:
    _call("migrate", interactive=False, verbosity=0)


def _serve(ns: argparse.Namespace) -> None:
    _call("runserver", f"{ns.host}:{ns.port}", use_reloader=False)


def cmd_serve(ns: argparse.Namespace) -> None:
    _migrate()
    _serve(ns)


def cmd_demo(ns: argparse.Namespace) -> None:
    _migrate()
    _call("demo_load", count=ns.count)
    if ns.serve:
        _serve(ns)


def cmd_import(ns: argparse.Namespace) -> None:
    options = {"mapping": ns.mapping, "user": ns.user, "mode": ns.mode, "match_on": ns.match_on,
               "date_order": ns.date_order, "row_by_row": ns.row_by_row}
    _call("import_file", ns.entity, ns.file, **{k: v for k, v in options.items() if v not in (None, False)})


def cmd_export(ns: argparse.Namespace) -> None:
    _call("export_list", ns.entity, format=ns.format, output=ns.output, user=ns.user, filter=ns.filter or [],
          columns=ns.columns)


def cmd_pool_rules(ns: argparse.Namespace) -> None:
    from forpcrm.customers.services import pool_rules_apply

    summary = pool_rules_apply()
    sys.stdout.write(f"pool rules applied: {summary}\n")


def cmd_reminders(ns: argparse.Namespace) -> None:
    options = {"jobs": None if ns.all_jobs else ["reminders_send_due"]}
    if ns.loop:
        options["loop"] = ns.loop
    _call("run_jobs", **options)


def cmd_backup(ns: argparse.Namespace) -> None:
    output = ns.output or f"forpcrm-backup-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.json"
    _call("dumpdata", natural_foreign=True, exclude=["contenttypes", "auth.permission", "sessions", "admin.logentry"],
          output=output, indent=None)
    sys.stdout.write(f"backup written to {output}\n")


def cmd_restore(ns: argparse.Namespace) -> None:
    _migrate()
    _call("loaddata", ns.file)
    sys.stdout.write(f"restored {ns.file}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="forpcrm", description="FORP-CRM command line")
    sub = parser.add_subparsers(dest="command", required=True)

    for name, func, text in (("serve", cmd_serve, "migrate and start the web server"),
                             ("demo", cmd_demo, "load the demo data (idempotent)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", default="8000")
        if name == "demo":
            p.add_argument("--serve", action="store_true", help="start the web server afterwards")
            p.add_argument("--count", type=int, default=300, help="generated Chinese customers")
        p.set_defaults(func=func)

    p = sub.add_parser("import", help="import a CSV/XLSX file")
    p.add_argument("entity")
    p.add_argument("file")
    p.add_argument("--mapping", help="mapping preset (shipped: maven_accounts, maven_sales_teams, …)")
    p.add_argument("--user")
    p.add_argument("--mode", choices=["create", "update", "upsert"])
    p.add_argument("--match-on", dest="match_on")
    p.add_argument("--date-order", dest="date_order", choices=["day_first", "month_first"])
    p.add_argument("--row-by-row", dest="row_by_row", action="store_true")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export a list to XLSX or CSV")
    p.add_argument("entity", choices=["customers", "contacts"])
    p.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    p.add_argument("--output", required=True)
    p.add_argument("--user")
    p.add_argument("--filter", action="append", metavar="KEY=VALUE")
    p.add_argument("--columns")
    p.set_defaults(func=cmd_export)

    sub.add_parser("pool-rules", help="apply the public-pool return rules").set_defaults(func=cmd_pool_rules)

    p = sub.add_parser("reminders", help="send the due reminders (the periodic jobs, without Celery)")
    p.add_argument("--loop", type=float, metavar="SECONDS", help="keep running, every SECONDS")
    p.add_argument("--all-jobs", dest="all_jobs", action="store_true",
                   help="run every registered periodic job, not only the reminders")
    p.set_defaults(func=cmd_reminders)

    p = sub.add_parser("backup", help="dump all data to JSON")
    p.add_argument("--output")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="load a backup")
    p.add_argument("file")
    p.set_defaults(func=cmd_restore)
    return parser


def main(argv: list[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    _setup()
    from django.core.management.base import CommandError

    try:
        ns.func(ns)
    except CommandError as exc:
        sys.stderr.write(f"forpcrm: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
