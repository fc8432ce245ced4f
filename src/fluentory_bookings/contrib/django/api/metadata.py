"""What ``OPTIONS`` answers: the endpoint's name, description and formats, never its object.

DRF's default metadata also describes the body a PUT or POST would take, and to do so looks up
the object for a detail route; our viewsets name their rows per action (no ``queryset``), so that
lookup failed with a 500 for any signed-in user. The bodies are documented by the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request

__all__ = ["ApiMetadata"]


class ApiMetadata(SimpleMetadata):
    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        return {}
