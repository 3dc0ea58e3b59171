"""The OpenAPI schema, generated and rendered once per process for each language, version, URL configuration
and format.

drf-spectacular walks every view and serializer of the API on each request for `/api/schema/` (about a quarter
of a second here, more on a slow machine), and then renders the quarter-megabyte document as YAML (another
0.15–0.4 s), although both only change with the code. The schema is public (it describes the API, not data), so
it is the same for every caller: the rendered document is kept after the first request in each format and
dropped when a test changes a setting the schema is made of (`SCHEMA_SETTINGS`); a test overriding any other
setting, as the API permission matrix does for every person, keeps it.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.urls import get_urlconf
from django.utils import translation
from django.utils.http import content_disposition_header
from drf_spectacular.views import SpectacularAPIView

_lock = threading.Lock()
_schemas: dict[tuple[Any, ...], dict[str, Any]] = {}
# The rendered documents: (schema key, format, accepted media type) → (body, Content-Type).
_documents: dict[tuple[Any, ...], tuple[bytes, str]] = {}
# What the schema is made of: the API's views and serializers, their URLs, and the words they are described in.
SCHEMA_SETTINGS = frozenset(
    {
        "SPECTACULAR_SETTINGS",
        "REST_FRAMEWORK",
        "ROOT_URLCONF",
        "INSTALLED_APPS",
        "LANGUAGE_CODE",
        "LANGUAGES",
        "LOCALE_PATHS",
        "USE_I18N",
    }
)


class SchemaView(SpectacularAPIView):
    def _get_schema_response(self, request: Any) -> HttpResponse:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language(), version, get_urlconf(), self.serve_public)
        # Content negotiation has already chosen the renderer (YAML unless JSON is asked for).
        renderer, media_type = request.accepted_renderer, request.accepted_media_type
        document_key = (*key, renderer.format, media_type)
        with _lock:
            document = _documents.get(document_key)
        if document is None:
            document = self._render(request, key, version, renderer, media_type)
            with _lock:
                _documents[document_key] = document
        body, content_type = document
        response = HttpResponse(body, content_type=content_type)
        # The file is named after the API's Chinese title: RFC 6266's filename*, which browsers decode (a plain
        # header would go out MIME-encoded, and be saved under that garble).
        response["Content-Disposition"] = content_disposition_header(
            False, self._get_filename(request, version)
        )
        return response

    def _render(
        self, request: Any, key: tuple[Any, ...], version: Any, renderer: Any, media_type: str
    ) -> tuple[bytes, str]:
        with _lock:
            schema = _schemas.get(key)
        if schema is None:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            schema = generator.get_schema(request=request, public=self.serve_public)
            with _lock:
                _schemas[key] = schema
        body = renderer.render(schema, media_type, self.get_renderer_context())
        # As DRF's Response would label it: the renderer's own media type, with its character set.
        content_type = renderer.media_type
        if renderer.charset:
            content_type = f"{content_type}; charset={renderer.charset}"
        return body if isinstance(body, bytes) else body.encode(renderer.charset or "utf-8"), content_type


def forget_schemas() -> None:
    with _lock:
        _schemas.clear()
        _documents.clear()


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in SCHEMA_SETTINGS:
        forget_schemas()
