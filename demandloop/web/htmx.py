"""Pages that htmx also asks for a part of (a filtered list, another page of a table).

One URL answers two ways: the whole page, or only the part htmx swaps in. Two things make that safe:
- htmx restoring a page from history that is no longer in its cache asks the URL again with HX-Request *and*
  HX-History-Restore-Request, and puts the answer in place of the whole body: that request gets the whole page
  (a part there left the person on a bare table without navigation);
- the answer varies with HX-Request, so that a browser never takes a part from its cache for the page (the
  back button after a filter).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_part(request: HttpRequest, target: str | None = None) -> bool:
    """Whether htmx asks for the part (of the element with id `target`, if given) rather than the whole page."""
    headers = request.headers
    if headers.get("HX-Request") != "true" or headers.get("HX-History-Restore-Request") == "true":
        return False
    return target is None or headers.get("HX-Target") == target


def render_page_or_part(
    request: HttpRequest,
    page: str,
    part: str,
    context: dict[str, Any],
    *,
    target: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """`part` when htmx asks for it (`wants_part`), else `page`; either way marked as varying with HX-Request."""
    template = part if wants_part(request, target) else page
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response
