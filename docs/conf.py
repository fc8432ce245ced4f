"""Sphinx configuration. Pages are Markdown (MyST); CI builds with -W so a warning fails."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import fluentory_bookings  # noqa: E402

project = "fluentory-bookings"
author = "fluentory-bookings maintainers"
copyright = "2026, fluentory-bookings maintainers"
release = fluentory_bookings.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = "fluentory-bookings"
autodoc_typehints = "description"
autodoc_member_order = "bysource"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
nitpicky = False
