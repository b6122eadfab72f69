"""Mapping presets: shipped ones (JSON files in presets/) and the ones users save per entity."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from forpcrm.core.errors import ApplicationError

from .models import MappingPreset

PRESET_DIR = Path(__file__).resolve().parent / "presets"


@cache
def shipped_presets() -> dict[str, dict[str, Any]]:
    """name → {"entity", "label", "mapping": {header: field}, "options": {...}, "file"?}.

    Shipped with the imports app (``imports/presets/``) and with any app that has a ``presets/`` folder."""
    from django.apps import apps

    presets = {}
    folders = [PRESET_DIR] + [Path(c.path) / "presets" for c in apps.get_app_configs()
                              if Path(c.path) / "presets" != PRESET_DIR]
    for path in sorted(p for folder in folders if folder.is_dir() for p in folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        data.setdefault("name", path.stem)
        presets[data["name"]] = data
    return presets


def preset_get(*, name: str, entity: str | None = None, user=None) -> dict[str, Any]:
    """A user's saved preset of that name, else a shipped one. Raises ApplicationError when unknown."""
    if user is not None and getattr(user, "pk", None):
        qs = MappingPreset.objects.filter(user=user, name=name)
        if entity:
            qs = qs.filter(entity=entity)
        saved = qs.first()
        if saved is not None:
            return {"name": saved.name, "entity": saved.entity, "mapping": saved.mapping, "options": saved.options}
    shipped = shipped_presets().get(name)
    if shipped is None and name.endswith(".json") and Path(name).exists():
        shipped = json.loads(Path(name).read_text(encoding="utf-8"))
    if shipped is None or (entity and shipped.get("entity") != entity):
        raise ApplicationError(_("There is no mapping preset “%(name)s”.") % {"name": name}, code="unknown_preset")
    return shipped


def presets_for(*, entity: str, user) -> list[dict[str, Any]]:
    items = [p for p in shipped_presets().values() if p.get("entity") == entity]
    items += [{"name": p.name, "entity": p.entity, "mapping": p.mapping, "options": p.options, "saved": True}
              for p in MappingPreset.objects.filter(user=user, entity=entity)]
    return items


@transaction.atomic
def preset_save(*, user, entity: str, name: str, mapping: dict[str, str], options: dict[str, Any]) -> MappingPreset:
    name = name.strip()
    if not name:
        raise ApplicationError(_("A preset needs a name."), code="name_required")
    if name in shipped_presets():
        raise ApplicationError(_("“%(name)s” is the name of a shipped preset; choose another.") % {"name": name},
                               code="name_taken")
    preset, _created = MappingPreset.objects.update_or_create(
        user=user, entity=entity, name=name[:100], defaults={"mapping": mapping, "options": options}
    )
    return preset
