"""Cursor pagination: stable under inserts, and a page costs its rows, never an OFFSET scan."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from fluentory_bookings.core.errors import InvalidInput, LimitExceeded

__all__ = ["MAX_PAGE_SIZE", "PAGE_SIZE", "CursorPages"]

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class CursorPages(CursorPagination):
    """``?page_size=`` from 1 to 200 (50 by default); ``next``/``previous`` links carry the cursor.

    Each view names its order in ``cursor_ordering`` (ending with a unique field, so the cursor
    is exact).
    """

    page_size = PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        return tuple(view.cursor_ordering)

    def get_page_size(self, request: Request) -> int:
        sent = request.query_params.get(self.page_size_query_param)
        if sent is None:
            return self.page_size
        if not (sent.isascii() and sent.isdigit()) or int(sent) < 1:
            raise InvalidInput(
                f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}, not {sent!r}",
                field="page_size",
            )
        if int(sent) > MAX_PAGE_SIZE:
            raise LimitExceeded(
                f"page_size may be at most {MAX_PAGE_SIZE}", field="page_size", limit=MAX_PAGE_SIZE
            )
        return int(sent)

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise InvalidInput("the cursor is not one this list gave out", field="cursor") from None
