"""Loading the Maven pipeline: the product catalogue, then sales_pipeline.csv through the shipped preset."""

from __future__ import annotations

from pathlib import Path

from forpcrm.imports.services import import_file

PRESET_DIR = Path(__file__).resolve().parent / "presets"
MAVEN_PIPELINE_PRESET = str(PRESET_DIR / "maven_pipeline.json")


def maven_pipeline_load(*, user, directory: Path, demo: bool = False):
    """Import products.csv (preset maven_products) and sales_pipeline.csv (preset maven_pipeline).

    Sales teams and accounts must be loaded first (``manage.py maven_load``). Idempotent: a second run
    matches every row by its opportunity_id and changes nothing. With ``demo`` the rows only create
    what does not exist yet (create mode, matching the recycle bin too): what a user changed or deleted
    in the demo stays so. Returns {file name: ImportResult}."""
    results = {}
    _job, results["products.csv"] = import_file(user=user, entity="products", path=directory / "products.csv",
                                                preset="maven_products",
                                                options={"mode": "create"} if demo else None)
    _job, results["sales_pipeline.csv"] = import_file(
        user=user, entity="opportunities", path=directory / "sales_pipeline.csv", preset=MAVEN_PIPELINE_PRESET,
        options={"mode": "create", "match_deleted": True} if demo else None)
    return results
