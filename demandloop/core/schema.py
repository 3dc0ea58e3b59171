"""The OpenAPI schema, generated once per process for each language, version and URL configuration.

drf-spectacular walks every view and serializer of the API on each request for `/api/schema/` (about a quarter
of a second here, more on a slow machine), although the schema only changes with the code. The schema is public
(it describes the API, not data), so it is the same for every caller: it is kept after the first request and
dropped when a test changes the settings.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_urlconf
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

_lock = threading.Lock()
_schemas: dict[tuple[Any, ...], dict[str, Any]] = {}


class SchemaView(SpectacularAPIView):
    def _get_schema_response(self, request: Any) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language(), version, get_urlconf(), self.serve_public)
        with _lock:
            schema = _schemas.get(key)
        if schema is None:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            schema = generator.get_schema(request=request, public=self.serve_public)
            with _lock:
                _schemas[key] = schema
        return Response(
            data=schema,
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )


def forget_schemas() -> None:
    with _lock:
        _schemas.clear()


@receiver(setting_changed)
def _settings_changed(**kwargs: Any) -> None:
    forget_schemas()
