"""Shared bits of the import/export commands: picking the acting user, printing a result."""

from __future__ import annotations

from django.core.management.base import CommandError

from forpcrm.org.models import User


def acting_user(username: str | None) -> User:
    """The named user, else the first active superuser or holder of the admin role."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        return user
    user = (User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
            or User.objects.filter(roles__code="admin", is_active=True).order_by("id").first())
    if user is None:
        raise CommandError("No administrator exists yet: pass --user, or run `forpcrm demo` first.")
    return user


def print_result(stdout, label: str, result, *, limit: int = 50) -> None:
    stdout.write(
        f"{label}: {result.total} rows — created {result.created}, updated {result.updated}, "
        f"unchanged {result.unchanged}, skipped {result.skipped}, failed {result.failed}"
        + (" (rolled back: nothing written)" if result.rolled_back else "")
    )
    for issue in result.errors[:limit]:
        stdout.write(f"  error   row {issue.row} [{issue.column}]: {issue.reason}")
    for issue in result.skips[:limit]:
        stdout.write(f"  skipped row {issue.row}: {issue.reason}")
    for issue in result.warnings[:limit]:
        stdout.write(f"  warning row {issue.row} [{issue.column}]: {issue.reason}")
    hidden = max(0, len(result.errors) - limit) + max(0, len(result.warnings) - limit) + max(0, len(result.skips) - limit)
    if hidden:
        stdout.write(f"  … {hidden} more lines in the job's report")
    for note in result.notes:
        stdout.write(f"  note: {note}")
