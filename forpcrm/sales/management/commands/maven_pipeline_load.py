"""Import the Maven products and the 8,800 opportunities of sales_pipeline.csv (after maven_load)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from forpcrm.core.errors import ApplicationError
from forpcrm.imports.management.commands._common import acting_user, print_result
from forpcrm.sales.loading import maven_pipeline_load


class Command(BaseCommand):
    help = "Import products.csv and sales_pipeline.csv of the Maven dataset (run maven_load first; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(Path(settings.FORPCRM_SHARED_DATA) / "maven-crm-sales"))
        parser.add_argument("--user")
        parser.add_argument("--demo", action="store_true",
                            help="only create what does not exist (deleted records included); change nothing")

    def handle(self, *args, **options):
        directory = Path(options["dir"])
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        try:
            results = maven_pipeline_load(user=acting_user(options["user"]), directory=directory,
                                          demo=options["demo"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for name, result in results.items():
            if options["demo"] and not (result.created or result.updated or result.failed):
                self.stdout.write(f"{name}: every row exists already; kept ({result.total} rows)")
            else:
                print_result(self.stdout, name, result, limit=20)
