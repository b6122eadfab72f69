"""Import a CSV/XLSX file: `manage.py import_file customers FILE --mapping PRESET`."""

from django.core.management.base import BaseCommand, CommandError

from forpcrm.core.errors import ApplicationError
from forpcrm.imports.engine import definitions
from forpcrm.imports.services import import_file

from ._common import acting_user, print_result


class Command(BaseCommand):
    help = "Import a spreadsheet (CSV in UTF-8/GB18030 or XLSX) through an entity's import definition."

    def add_arguments(self, parser):
        parser.add_argument("entity", help="what to import: " + ", ".join(sorted(definitions())))
        parser.add_argument("file")
        parser.add_argument("--mapping", help="a shipped or saved mapping preset (e.g. maven_accounts)")
        parser.add_argument("--user", help="username acting (default: the first administrator)")
        parser.add_argument("--mode", choices=["create", "update", "upsert"])
        parser.add_argument("--match-on", help="comma-separated: credit_code,name,phone,email")
        parser.add_argument("--date-order", choices=["day_first", "month_first"])
        parser.add_argument("--row-by-row", action="store_true", help="keep good rows even when others fail")

    def handle(self, *args, **options):
        user = acting_user(options["user"])
        extra = {}
        if options["mode"]:
            extra["mode"] = options["mode"]
        if options["match_on"]:
            extra["match_on"] = [m.strip() for m in options["match_on"].split(",") if m.strip()]
        if options["date_order"]:
            extra["date_order"] = options["date_order"]
        if options["row_by_row"]:
            extra["atomic"] = False
        try:
            job, result = import_file(user=user, entity=options["entity"], path=options["file"],
                                      preset=options["mapping"], options=extra)
        except (ApplicationError, OSError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        mapped = ", ".join(f"{job.headers[int(i)]}→{k}" for i, k in sorted(job.mapping.items(), key=lambda kv: int(kv[0])))
        self.stdout.write(f"columns: {mapped}")
        print_result(self.stdout, f"import #{job.pk} {job.entity} {job.original_name}", result)
        if result.failed and result.rolled_back:
            raise CommandError(f"{result.failed} rows failed; nothing was imported.")
