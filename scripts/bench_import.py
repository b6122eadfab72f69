#!/usr/bin/env python
"""Import benchmark: generate N customer rows (default 100,000) as a CSV, import them through the
product's customer import on the configured database (DATABASE_URL, else the embedded SQLite file
under FORPCRM_DATA_DIR), and print rows/s and the peak resident memory.

    .venv/bin/python scripts/bench_import.py [--rows 100000] [--fresh-sqlite] [--row-by-row]

--fresh-sqlite points the run at a new SQLite file in a temporary folder (nothing else is touched).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CITIES = [
    ("浙江省", "杭州市", "0571"),
    ("上海市", "上海市", "021"),
    ("北京市", "北京市", "010"),
    ("广东省", "深圳市", "0755"),
    ("江苏省", "南京市", "025"),
    ("四川省", "成都市", "028"),
]
KINDS = ["科技", "贸易", "制造", "软件", "物流", "电子"]


def generate(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["客户名称", "电话", "邮箱", "省份", "城市", "员工人数", "备注"])
        for i in range(rows):
            province, city, area = CITIES[i % len(CITIES)]
            writer.writerow(
                [
                    f"{city[:2]}基准{i:06d}{KINDS[i % len(KINDS)]}有限公司",
                    f"{area}-{6000 + i % 3000} {1000 + i % 9000}",
                    f"bench{i}@example.com",
                    province,
                    city,
                    10 + i % 500,
                    f"第{i}行",
                ]
            )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--fresh-sqlite", action="store_true")
    parser.add_argument("--row-by-row", action="store_true")
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

    settings.MEDIA_ROOT = str(workdir / "media")
    call_command("migrate", verbosity=0, interactive=False)
    from forpcrm.imports.services import import_file
    from forpcrm.org.models import User
    from forpcrm.org.services import role_templates_install, user_create

    roles = role_templates_install()
    user = User.objects.filter(username="bench-admin").first() or user_create(
        username="bench-admin", display_name="bench", roles=[roles["admin"]]
    )

    path = workdir / "bench.csv"
    started = time.perf_counter()
    generate(path, args.rows)
    generated = time.perf_counter() - started
    rss_before = peak_rss_mb()

    started = time.perf_counter()
    _job, result = import_file(
        user=user,
        entity="customers",
        path=path,
        options={"mode": "create", "match_on": [], "atomic": not args.row_by_row},
    )
    elapsed = time.perf_counter() - started
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"database: {engine}; rows: {args.rows}; file: {path.stat().st_size / 1e6:.1f} MB (generated in {generated:.1f} s)"
    )
    print(f"created {result.created}, failed {result.failed}, warnings {len(result.warnings)}")
    print(f"import: {elapsed:.1f} s, {args.rows / elapsed:.0f} rows/s")
    print(f"peak RSS: {peak_rss_mb():.0f} MB (before the import: {rss_before:.0f} MB)")
    return 0 if result.failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
