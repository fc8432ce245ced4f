"""DRF's browsable API page for our views, without its forms.

The page builds its HTML forms, raw-data forms and filter form from a view's ``queryset`` and
``serializer_class``. Our views have neither (each action names its own rows and serializer), so
DRF's renderer fails with a 500 whenever a browser asks for HTML. Without the forms the page still
shows every response, its links and its pagination; writes are made with JSON clients.
"""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer


class FormlessBrowsableAPIRenderer(BrowsableAPIRenderer):
    """The browsable page with no form built from the view."""

    def get_rendered_html_form(self, data: Any, view: Any, method: str, request: Any) -> None:
        return None

    def get_raw_data_form(self, data: Any, view: Any, method: str, request: Any) -> None:
        return None

    def get_filter_form(self, data: Any, view: Any, request: Any) -> None:
        return None


def formless(renderers: list[BaseRenderer]) -> list[BaseRenderer]:
    """The host's renderers, in its order, with DRF's browsable one swapped for ours."""
    return [
        FormlessBrowsableAPIRenderer() if type(r) is BrowsableAPIRenderer else r for r in renderers
    ]
