"""Export a list: `manage.py export_list customers --format xlsx --output F [--user U] [--filter k=v]`."""

from django.core.management.base import BaseCommand, CommandError

from forpcrm.core.errors import ApplicationError
from forpcrm.imports.engine import get_exporter
from forpcrm.imports.exporting import response_to_file

from ._common import acting_user


class Command(BaseCommand):
    help = "Export the customer or contact list (scope of --user, filters as on the list page)."

    def add_arguments(self, parser):
        parser.add_argument("entity", choices=["customers", "contacts"])
        parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        parser.add_argument("--output", required=True)
        parser.add_argument("--user", help="username whose scope applies (default: the first administrator)")
        parser.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                            help="list filter, e.g. industry=technology or q=有限公司 (repeatable)")
        parser.add_argument("--columns", help="comma-separated column keys")

    def handle(self, *args, **options):
        user = acting_user(options["user"])
        params = {}
        for item in options["filter"]:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter needs KEY=VALUE, got {item!r}")
            params[key.strip()] = value.strip()
        columns = [c.strip() for c in options["columns"].split(",")] if options["columns"] else None
        try:
            response = get_exporter(options["entity"])(user=user, params=params, fmt=options["format"], columns=columns)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        size = response_to_file(response, options["output"])
        self.stdout.write(f"wrote {options['output']} ({size} bytes)")
