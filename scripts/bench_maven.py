#!/usr/bin/env python
"""Maven pipeline benchmark: load the Maven dataset (sales teams, accounts), then time the product
catalogue and sales_pipeline.csv (8,800 opportunities) through the product's import, then a second
(idempotent) run, on the configured database (DATABASE_URL, else a new SQLite file with --fresh-sqlite).

    .venv/bin/python scripts/bench_maven.py --fresh-sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/forpcrm_bench .venv/bin/python scripts/bench_maven.py
    .venv/bin/python scripts/bench_maven.py --fresh-sqlite --row-by-row   # the per-row service path

Prints the seconds of each step, rows/s, the queries of the pipeline import and the peak resident memory.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fresh-sqlite", action="store_true")
    parser.add_argument("--row-by-row", action="store_true", help="disable the batch path (for comparison)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="forpcrm-bench-"))
    if args.fresh_sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forpcrm.settings")
    os.environ.setdefault("FORPCRM_DATA_DIR", str(workdir))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries

    settings.MEDIA_ROOT = str(workdir / "media")
    call_command("migrate", verbosity=0, interactive=False)
    from forpcrm.contracts.importers import OpportunityDefinition
    from forpcrm.imports.engine import EntityDefinition
    from forpcrm.imports.services import import_file
    from forpcrm.org.models import User
    from forpcrm.org.services import role_templates_install, user_create
    from forpcrm.sales.loading import MAVEN_PIPELINE_PRESET

    if args.row_by_row:
        OpportunityDefinition.create_batch = EntityDefinition.create_batch
    roles = role_templates_install()
    user = User.objects.filter(username="bench-admin").first() or user_create(
        username="bench-admin", display_name="bench", roles=[roles["admin"]], is_superuser=True)
    directory = Path(settings.FORPCRM_SHARED_DATA) / "maven-crm-sales"
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine}; data: {directory}")

    started = time.perf_counter()
    call_command("maven_load", user=user.username, stdout=io.StringIO())
    accounts = time.perf_counter() - started
    print(f"sales teams + accounts + products (maven_load): {accounts:.1f} s")

    def pipeline_run(label: str):
        settings.DEBUG = True  # count queries
        reset_queries()
        started = time.perf_counter()
        _job, products = import_file(user=user, entity="products", path=directory / "products.csv",
                                     preset="maven_products")
        _job, result = import_file(user=user, entity="opportunities", path=directory / "sales_pipeline.csv",
                                   preset=MAVEN_PIPELINE_PRESET)
        elapsed = time.perf_counter() - started
        queries = len(connection.queries)
        settings.DEBUG = False
        print(f"{label}: {elapsed:.1f} s, {result.total / elapsed:.0f} rows/s, {queries} queries — created "
              f"{result.created}, updated {result.updated}, unchanged {result.unchanged}, skipped {result.skipped}, "
              f"failed {result.failed}; products unchanged {products.unchanged}")
        return elapsed, result

    first, result = pipeline_run("products + sales_pipeline.csv, first run")
    _second, again = pipeline_run("products + sales_pipeline.csv, second run")
    print(f"whole Maven load (teams, accounts, products, pipeline): {accounts + first:.1f} s")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    ok = result.failed == 0 and again.created == 0 and again.updated == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
