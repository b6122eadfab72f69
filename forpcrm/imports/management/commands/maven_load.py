"""Load the Maven CRM dataset (sales teams, accounts; products are kept for the catalogue)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from forpcrm.core.errors import ApplicationError
from forpcrm.imports.engine import definitions
from forpcrm.imports.presets import shipped_presets
from forpcrm.imports.services import import_file

from ._common import acting_user, print_result

ORDER = ["maven_sales_teams", "maven_accounts", "maven_products"]


def maven_load(*, user, directory: Path, stdout) -> dict[str, object]:
    """Import each Maven file through its shipped preset; returns preset → result (or a note)."""
    presets = shipped_presets()
    results: dict[str, object] = {}
    for name in ORDER:
        preset = presets[name]
        path = directory / Path(preset["file"]).name
        if not path.exists():
            stdout.write(f"{path}: missing, skipped")
            results[name] = "missing"
            continue
        if preset["entity"] not in definitions():
            rows = sum(1 for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip())
            note = f"{path.name}: {rows} rows kept for the product catalogue (no catalogue exists yet; not imported)"
            stdout.write(note)
            results[name] = note
            continue
        _job, result = import_file(user=user, entity=preset["entity"], path=path, preset=name)
        print_result(stdout, f"{path.name} → {preset['entity']}", result, limit=20)
        results[name] = result
    return results


class Command(BaseCommand):
    help = "Import the Maven CRM sales dataset through the shipped presets (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(Path(settings.FORPCRM_SHARED_DATA) / "maven-crm-sales"))
        parser.add_argument("--user")

    def handle(self, *args, **options):
        directory = Path(options["dir"])
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        try:
            maven_load(user=acting_user(options["user"]), directory=directory, stdout=self.stdout)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
