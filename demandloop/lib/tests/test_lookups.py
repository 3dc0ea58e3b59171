"""An id from a URL: a number the database can look up, or 404 — never a server error."""

from __future__ import annotations

import pytest
from django.http import Http404

from demandloop.lib.lookups import ID_LIMIT, object_id


@pytest.mark.parametrize("typed", ["12", 12, " 7 "])
def test_an_id_typed_as_a_number_is_looked_up(typed):
    assert object_id(typed) == int(typed)


@pytest.mark.parametrize("typed", ["abc", "", None, "1.5", 0, -3, ID_LIMIT, str(10**30)])
def test_anything_else_is_a_missing_object(typed):
    with pytest.raises(Http404):
        object_id(typed)
