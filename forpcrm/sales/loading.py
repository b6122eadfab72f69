"""Loading the Maven pipeline: the product catalogue, then sales_pipeline.csv through the shipped preset."""

from __future__ import annotations

from pathlib import Path

from forpcrm.imports.services import import_file

PRESET_DIR = Path(__file__).resolve().parent / "presets"
MAVEN_PIPELINE_PRESET = str(PRESET_DIR / "maven_pipeline.json")


def maven_pipeline_load(*, user, directory: Path):
    """Import products.csv (preset maven_products) and sales_pipeline.csv (preset maven_pipeline).

    Sales teams and accounts must be loaded first (``manage.py maven_load``). Idempotent: a second run
    matches every row by its opportunity_id and changes nothing. Returns {file name: ImportResult}."""
    results = {}
    _job, results["products.csv"] = import_file(user=user, entity="products", path=directory / "products.csv",
                                                preset="maven_products")
    _job, results["sales_pipeline.csv"] = import_file(user=user, entity="opportunities",
                                                      path=directory / "sales_pipeline.csv",
                                                      preset=MAVEN_PIPELINE_PRESET)
    return results
