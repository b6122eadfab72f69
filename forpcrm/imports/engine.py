"""The generic import engine. Domain apps register one ``EntityDefinition`` per importable entity in
their ``importers`` module (found with Django's ``autodiscover_modules``, as the admin does), so this
app never imports a higher layer.

A run streams the table batch by batch. Each row is parsed (errors name row, column and reason),
matched (credit code, name, phone, e-mail) and applied through the domain's services inside a
savepoint. All-or-nothing (the default) keeps everything in one transaction and rolls it back when
any row failed, so the user gets the full error report and nothing is written; row-by-row keeps
the good rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from forpcrm.core.errors import ApplicationError
from forpcrm.core.parsing import DAY_FIRST

from .fields import FieldSpec, ImportContext, parse_cell
from .models import ImportMode
from .readers import Table

logger = logging.getLogger(__name__)
BATCH_SIZE = 500
MAX_REPORTED = 20000  # errors kept in a job's report; the count is always exact


# What EntityDefinition.create_batch returns per row: ("created" | "skipped:<reason>" | exception, warnings).
BatchOutcome = tuple[Any, list[tuple[str, str]]]


class Skip(Exception):  # noqa: N818 - a control-flow signal, not an error
    """A definition's way to say "leave this row" (with the reason shown in the report)."""


@dataclass
class Match:
    record: Any
    label: str
    editable: bool = True


class EntityDefinition:
    """Subclass per entity. ``fields`` lists the targets; ``find``/``create``/``update`` call services."""

    name: str = ""
    label: Any = ""
    module: str = ""  # permission module checked for the import action
    match_fields: list[tuple[str, Any]] = []  # (key, label) the user may match on
    default_match_on: list[str] = []
    order: int = 100  # position in the wizard's list of imports

    def fields(self, ctx: ImportContext) -> list[FieldSpec]:
        raise NotImplementedError

    def find(self, values: dict[str, Any], ctx: ImportContext) -> Match | None:
        return None

    def create(self, values: dict[str, Any], ctx: ImportContext) -> Any:
        raise NotImplementedError

    def update(self, match: Match, values: dict[str, Any], ctx: ImportContext) -> bool:
        """Apply values to the matched record; return whether anything changed."""
        raise NotImplementedError

    def create_batch(self, items: list[tuple[int, dict[str, Any]]], ctx: ImportContext) -> list[BatchOutcome] | None:
        """Optional fast path for a whole batch of parsed rows ``(row number, values)``.

        Return one ``(outcome, warnings)`` per item — outcome "created", "skipped:<reason>" or the
        exception that failed the row; warnings as ``(field key, message)`` — after writing the good
        rows, or None (before writing anything) when the batch needs the row-by-row path (e.g. update
        mode, references to other rows). The engine runs it inside a savepoint and falls back to the
        row-by-row path when it returns None or raises.
        """
        return None

    def duplicates(self, values: dict[str, Any], ctx: ImportContext) -> list[str]:
        """Likely duplicates for the preview (text per match)."""
        return []

    def begin(self, ctx: ImportContext) -> None:
        """Called once before the first row (inside the run's transaction)."""

    def finish(self, ctx: ImportContext, result: ImportResult) -> None:
        """Second pass after the last row (e.g. parent companies named by later rows)."""


_registry: dict[str, EntityDefinition] = {}
_exporters: dict[str, Callable[..., Any]] = {}
_demo_steps: list[tuple[int, str, Callable[..., Any]]] = []
_discovered = False


def register(definition: EntityDefinition) -> EntityDefinition:
    _registry[definition.name] = definition
    return definition


def register_exporter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    _exporters[name] = func
    return func


def register_demo_step(order: int, name: str, func: Callable[..., Any]) -> None:
    if all(existing != name for _order, existing, _func in _demo_steps):
        _demo_steps.append((order, name, func))


def discover() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        from . import teams  # noqa: F401 - the engine's own definition (organisation: sales teams)

        autodiscover_modules("importers", "exports", "demo")


def definitions() -> dict[str, EntityDefinition]:
    discover()
    return dict(_registry)


def get_definition(name: str) -> EntityDefinition:
    discover()
    try:
        return _registry[name]
    except KeyError as exc:
        raise ApplicationError(_("There is no import for “%(name)s”.") % {"name": name}, code="unknown_entity") from exc


def get_exporter(name: str) -> Callable[..., Any]:
    discover()
    try:
        return _exporters[name]
    except KeyError as exc:
        raise ApplicationError(_("There is no export for “%(name)s”.") % {"name": name}, code="unknown_entity") from exc


def demo_steps() -> list[tuple[int, str, Callable[..., Any]]]:
    discover()
    return sorted(_demo_steps, key=lambda step: step[0])


@dataclass
class ImportOptions:
    mode: str = ImportMode.UPSERT
    match_on: list[str] = field(default_factory=list)
    date_order: str = DAY_FIRST
    atomic: bool = True
    extra: dict[str, Any] = field(default_factory=dict)  # value aliases, constants, definition options

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ImportOptions:
        data = dict(data or {})
        match_on = data.pop("match_on", [])
        if isinstance(match_on, str):
            match_on = [m for m in match_on.split(",") if m]
        return cls(
            mode=data.pop("mode", ImportMode.UPSERT), match_on=list(match_on),
            date_order=data.pop("date_order", DAY_FIRST), atomic=bool(data.pop("atomic", True)), extra=data,
        )

    def as_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "match_on": self.match_on, "date_order": self.date_order, "atomic": self.atomic,
                **self.extra}


@dataclass
class RowIssue:
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class ImportResult:
    total: int = 0
    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    skips: list[RowIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed_rows: set[int] = field(default_factory=set)
    rolled_back: bool = False

    def fail(self, issue: RowIssue) -> None:
        if issue.row not in self.failed_rows:
            self.failed_rows.add(issue.row)
            self.failed += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(issue)

    def report(self) -> dict[str, Any]:
        return {
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings[:MAX_REPORTED]],
            "skipped": [s.as_dict() for s in self.skips[:MAX_REPORTED]],
            "notes": list(self.notes),
            "failed_rows": sorted(self.failed_rows),
            "rolled_back": self.rolled_back,
        }


@dataclass
class PreviewRow:
    row: int
    cells: list[Any]
    errors: list[RowIssue]
    warnings: list[RowIssue]
    duplicates: list[str]
    action: str


class ImportRunner:
    """One table through one definition with a mapping ``{column index: field key}``."""

    def __init__(self, *, definition: EntityDefinition, table: Table, mapping: dict[str, str], user,
                 options: ImportOptions | None = None):
        self.definition = definition
        self.table = table
        self.options = options or ImportOptions()
        self.ctx = ImportContext(
            user=user, mode=self.options.mode, match_on=self.options.match_on or list(definition.default_match_on),
            date_order=self.options.date_order, options=self.options.extra,
        )
        self.specs = {spec.key: spec for spec in definition.fields(self.ctx)}
        self.columns = [(int(index), self.specs[key]) for index, key in sorted(mapping.items(), key=lambda kv: int(kv[0]))
                        if key in self.specs]
        self.header_of = {spec.key: self._header(index) for index, spec in self.columns}
        self.ctx.cache["headers"] = self.header_of  # lets a definition's second pass name the column

    def _header(self, index: int) -> str:
        return self.table.headers[index] if index < len(self.table.headers) else str(index + 1)

    def missing_required(self) -> list[str]:
        mapped = {spec.key for _i, spec in self.columns}
        constants = self.options.extra.get("constants") or {}
        return [str(s.label) for s in self.specs.values() if s.required and s.key not in mapped and s.key not in constants]

    def parse_row(self, row: int, raw: list[Any]) -> tuple[dict[str, Any], list[RowIssue], list[RowIssue]]:
        self.ctx.row_warnings = []
        values: dict[str, Any] = dict(self.options.extra.get("constants") or {})
        errors: list[RowIssue] = []
        for index, spec in self.columns:
            cell = raw[index] if index < len(raw) else None
            try:
                value = parse_cell(spec, cell, self.ctx)
            except (ValueError, TypeError, ValidationError) as exc:
                errors.append(RowIssue(row, self.header_of[spec.key], _message(exc)))
                continue
            if value is None and spec.required:
                errors.append(RowIssue(row, self.header_of[spec.key], _("A value is required.")))
                continue
            if value is None and not self.options.extra.get("blank_clears"):
                continue  # an empty cell leaves the field alone (or at its default when creating)
            values[spec.key] = value
        warnings = [RowIssue(row, self.header_of.get(key, ""), msg) for key, msg in self.ctx.row_warnings]
        return values, errors, warnings

    def _issues_from(self, row: int, exc: Exception) -> list[RowIssue]:
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            issues = []
            for key, messages in exc.message_dict.items():
                column = self.header_of.get(key, "")
                for message in messages:
                    issues.append(RowIssue(row, column or ("" if key == "__all__" else key), message))
            return issues
        return [RowIssue(row, "", _message(exc))]

    def _apply(self, values: dict[str, Any]) -> str:
        """created / updated / unchanged / skipped:<reason>."""
        match = self.definition.find(values, self.ctx) if self.ctx.match_on else None
        mode = self.ctx.mode
        if match is not None and not match.editable and mode != ImportMode.CREATE:
            raise ApplicationError(_("Matches “%(name)s”, which you may not change.") % {"name": match.label})
        if mode == ImportMode.CREATE:
            if match is not None:
                return "skipped:" + _("Already exists: “%(name)s”.") % {"name": match.label}
            self.definition.create(values, self.ctx)
            return "created"
        if match is None:
            if mode == ImportMode.UPDATE:
                return "skipped:" + _("No matching record to update.")
            self.definition.create(values, self.ctx)
            return "created"
        return "updated" if self.definition.update(match, values, self.ctx) else "unchanged"

    def preview(self, limit: int = 20) -> list[PreviewRow]:
        """Parse and match the first rows without writing anything."""
        rows = []
        complete = not self.missing_required()  # without the required fields nothing can be matched
        for row, raw in self.table.rows():
            values, errors, warnings = self.parse_row(row, raw)
            duplicates: list[str] = []
            action = ""
            if not errors and complete:
                try:
                    match = self.definition.find(values, self.ctx) if self.ctx.match_on else None
                    duplicates = self.definition.duplicates(values, self.ctx)
                    action = _preview_action(self.ctx.mode, match)
                except (ApplicationError, ValidationError, ValueError) as exc:
                    errors = self._issues_from(row, exc)
                except Exception as exc:
                    logger.exception("import preview row %s failed", row)
                    errors = [RowIssue(row, "", _("Unexpected error: %(error)s") % {"error": exc.__class__.__name__})]
            cells = [raw[i] if i < len(raw) else None for i in range(len(self.table.headers))]
            rows.append(PreviewRow(row, cells, errors, warnings, duplicates, action))
            if len(rows) >= limit:
                break
        return rows

    def run(self, *, progress: Callable[[ImportResult], None] | None = None, total: int | None = None) -> ImportResult:
        result = ImportResult(total=total if total is not None else self.table.count_rows())
        missing = self.missing_required()
        if missing:
            raise ApplicationError(
                _("Map a column to every required field: %(fields)s.") % {"fields": ", ".join(missing)},
                code="mapping_incomplete",
            )
        if self.options.atomic:
            with transaction.atomic():
                self._run_rows(result, progress)
                if result.failed:
                    transaction.set_rollback(True)
                    result.rolled_back = True
            if result.rolled_back:
                result.notes.append(ngettext(
                    "Nothing was written because %(n)d row has errors (all-or-nothing).",
                    "Nothing was written because %(n)d rows have errors (all-or-nothing).", result.failed)
                    % {"n": result.failed})
                result.created = result.updated = result.unchanged = 0
        else:
            self._run_rows(result, progress)
        if progress:
            progress(result)
        return result

    def _run_rows(self, result: ImportResult, progress) -> None:
        self.definition.begin(self.ctx)
        for batch in self.table.batches(BATCH_SIZE):
            with transaction.atomic():
                if not self._run_batch(result, batch):
                    for row, raw in batch:
                        self._run_row(result, row, raw)
            result.processed += len(batch)
            if progress:
                progress(result)
        with transaction.atomic():
            self.definition.finish(self.ctx, result)
        result.notes.extend(self.ctx.notes)

    def _run_batch(self, result: ImportResult, batch: list[tuple[int, list[Any]]]) -> bool:
        """The definition's fast path for a whole batch; False (nothing recorded, nothing written)
        when the batch must go row by row."""
        if type(self.definition).create_batch is EntityDefinition.create_batch:
            return False
        parsed = [(row, *self.parse_row(row, raw)) for row, raw in batch]
        items = [(row, values) for row, values, errors, _warnings in parsed if not errors]
        try:
            with transaction.atomic():
                outcomes = self.definition.create_batch(items, self.ctx) if items else []
        except Exception:  # the row-by-row path reports whatever it was, row by row
            logger.info("import batch fell back to row by row", exc_info=True)
            return False
        if outcomes is None:
            return False
        by_row = {row: outcome for (row, _values), outcome in zip(items, outcomes, strict=True)}
        for row, _values, errors, warnings in parsed:
            result.warnings.extend(warnings)
            if errors:
                for issue in errors:
                    result.fail(issue)
                continue
            outcome, extra = by_row[row]
            if isinstance(outcome, Exception):
                for issue in self._issues_from(row, outcome):
                    result.fail(issue)
                continue
            result.warnings.extend(RowIssue(row, self.header_of.get(k, ""), m) for k, m in extra)
            if outcome.startswith("skipped:"):
                result.skipped += 1
                result.skips.append(RowIssue(row, "", outcome.removeprefix("skipped:")))
            else:
                setattr(result, outcome, getattr(result, outcome) + 1)
        return True

    def _run_row(self, result: ImportResult, row: int, raw: list[Any]) -> None:
        values, errors, warnings = self.parse_row(row, raw)
        result.warnings.extend(warnings)
        if errors:
            for issue in errors:
                result.fail(issue)
            return
        self.ctx.cache["row"] = row
        try:
            with transaction.atomic():
                outcome = self._apply(values)
        except Skip as exc:
            outcome = "skipped:" + str(exc)
        except (ValidationError, ApplicationError, ValueError) as exc:
            for issue in self._issues_from(row, exc):
                result.fail(issue)
            return
        except Exception as exc:  # a bug must not lose the report of every other row
            logger.exception("import row %s failed", row)
            result.fail(RowIssue(row, "", _("Unexpected error: %(error)s") % {"error": exc.__class__.__name__}))
            return
        result.warnings.extend(RowIssue(row, self.header_of.get(k, ""), m) for k, m in self.ctx.row_warnings[len(warnings):])
        if outcome.startswith("skipped:"):
            result.skipped += 1
            result.skips.append(RowIssue(row, "", outcome.removeprefix("skipped:")))
        else:
            setattr(result, outcome, getattr(result, outcome) + 1)


def _preview_action(mode: str, match: Match | None) -> str:
    if mode == ImportMode.CREATE:
        return str(gettext_lazy("skip (exists)")) if match else str(gettext_lazy("create"))
    if match is None:
        return str(gettext_lazy("skip (no match)")) if mode == ImportMode.UPDATE else str(gettext_lazy("create"))
    return _("update “%(name)s”") % {"name": match.label}


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(str(m) for m in exc.messages)
    if isinstance(exc, ApplicationError):
        return exc.message
    return str(exc)
