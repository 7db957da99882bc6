"""GX Data Docs without the internet.

GX's pages load Bootstrap, jQuery, Font Awesome, bootstrap-table, the date picker and Vega from
public CDNs, and GX's logo from its own web bucket: on a bank's network, with no route out, they
render unstyled and their tables and charts empty. `make install` puts the same packages, at the
versions the pages name, under `infra/datadocs/node_modules` (npm, from the package list and
lock file there); the UI serves them, and every page it serves has its CDN addresses replaced
by the UI's own (`vendor/...` beside the site, GX's images from its `static/`).
"""

from __future__ import annotations

import re
from pathlib import Path

from lockgate.config import repo_root

# Each address GX's templates (great_expectations/render/view/templates) load, and the file of
# the npm package that is the same script or style sheet. bootstrap-table's filter-control
# style is named at 1.19.0 and 1.19.1 there; the installed 1.19.1 serves both.
CDN_FILES = {
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "@fortawesome/fontawesome-free/css/all.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js/dist/umd/popper.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/dist/js/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
}
GX_IMAGES = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
# Where a page loads a script or a style sheet from, or an image.
LOADED = re.compile(r"""(?:src|href)\s*=\s*["'](https?://[^"']+)["']""")
_PACKAGES = {
    path.split("/")[0] if not path.startswith("@") else "/".join(path.split("/")[:2])
    for path in CDN_FILES.values()
}


def assets_root() -> Path:
    """Where `make install` put the packages (infra/datadocs/node_modules)."""
    return repo_root() / "infra" / "datadocs" / "node_modules"


def offline(html: str, site: str) -> str:
    """`html` of a Data Docs page with every CDN address replaced by the same file under
    `site` (the URL of the site's root, ending in `/`): `vendor/<package file>`, and GX's web
    images by its `static/images/`."""
    for url in sorted(CDN_FILES, key=len, reverse=True):
        html = html.replace(url, f"{site}vendor/{CDN_FILES[url]}")
    return html.replace(GX_IMAGES, f"{site}static/images/")


def external_loads(html: str) -> list[str]:
    """The addresses outside the site that `html` still loads a script, style or image from
    (links a person may follow, `<a href>`, are not loads and are not listed)."""
    anchors = {
        m.group(1) for m in re.finditer(r"""<a\s[^>]*href\s*=\s*["'](https?://[^"']+)""", html)
    }
    return sorted({m.group(1) for m in LOADED.finditer(html)} - anchors)


def vendor_file(path: str) -> bytes:
    """A file of one of the installed packages (a script, a style sheet, or the fonts and images
    a style sheet points to); nothing outside those packages."""
    parts = path.split("/")
    package = "/".join(parts[:2]) if path.startswith("@") else parts[0]
    if package not in _PACKAGES or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"not a Data Docs asset: {path!r}")
    root = assets_root().resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root / package) or not target.is_file():
        raise FileNotFoundError(
            f"{path} is not installed under {assets_root()} (`make install` installs it)"
        )
    return target.read_bytes()
