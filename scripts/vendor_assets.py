"""Copy the pinned front-end libraries from node_modules/ into forpcrm/static/vendor/.

No file of a third-party library is committed: `npm ci` installs them from package-lock.json and this
script copies the few files the templates load. A file is copied only when missing or different, so
running it again is cheap. Exit status 1 when a source file is missing (run `npm ci` first).
"""

from __future__ import annotations

import filecmp
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "forpcrm" / "static" / "vendor"

# destination (under static/vendor/) -> source (under node_modules/)
ASSETS: dict[str, str] = {
    "tabler/css/tabler.min.css": "@tabler/core/dist/css/tabler.min.css",
    "tabler/js/tabler.min.js": "@tabler/core/dist/js/tabler.min.js",
    "htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
    "alpinejs/cdn.min.js": "alpinejs/dist/cdn.min.js",
    "tom-select/css/tom-select.bootstrap5.min.css": "tom-select/dist/css/tom-select.bootstrap5.min.css",
    "tom-select/js/tom-select.complete.min.js": "tom-select/dist/js/tom-select.complete.min.js",
    "flatpickr/flatpickr.min.css": "flatpickr/dist/flatpickr.min.css",
    "flatpickr/flatpickr.min.js": "flatpickr/dist/flatpickr.min.js",
    "flatpickr/l10n/zh.js": "flatpickr/dist/l10n/zh.js",
    "echarts/echarts.min.js": "echarts/dist/echarts.min.js",
    "sortablejs/Sortable.min.js": "sortablejs/Sortable.min.js",
    # The interactive API docs (/api/docs/): drf-spectacular's SWAGGER_UI_DIST points here.
    "swagger-ui/swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    "swagger-ui/swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui/swagger-ui-standalone-preset.js": "swagger-ui-dist/swagger-ui-standalone-preset.js",
    "swagger-ui/favicon-32x32.png": "swagger-ui-dist/favicon-32x32.png",
}


def copy_assets(node_modules: Path = NODE_MODULES, vendor: Path = VENDOR) -> tuple[int, list[str]]:
    """Copy every asset; return (number copied, list of missing sources)."""
    copied = 0
    missing: list[str] = []
    for destination, source in ASSETS.items():
        src = node_modules / source
        dst = vendor / destination
        if not src.is_file():
            missing.append(source)
            continue
        if dst.is_file() and filecmp.cmp(src, dst, shallow=False):
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        copied += 1
    return copied, missing


def main() -> int:
    copied, missing = copy_assets()
    if missing:
        sys.stderr.write("vendor assets missing in node_modules (run `npm ci`): " + ", ".join(missing) + "\n")
        return 1
    sys.stdout.write(f"vendor assets: {copied} copied, {len(ASSETS) - copied} up to date\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
