"""One object a person may read, found by the id in a URL — or 404, exactly as if it did not exist.

STYLE.md rule 3: outside a person's scope an object answers 404. Every app's `get_<thing>_for_user` comes here:
the id is parsed as typed (a word, zero or a number beyond a 64-bit integer is a missing object, not a server
error: the database driver would raise instead of finding nothing), and the lookup goes through the model's
`for_user` scope.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

# The largest id a 64-bit signed primary key column holds, plus one.
ID_LIMIT = 2**63


def object_id(pk: Any) -> int:
    """The id `pk` as a number the database can look up; 404 for anything else."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number < ID_LIMIT:
        raise Http404
    return number


def get_for_user_or_404(queryset: Any, user: Any, pk: Any) -> Any:
    """The object `pk` of `queryset` (a queryset with `for_user`) that `user` reaches; otherwise 404."""
    try:
        return queryset.for_user(user).get(pk=object_id(pk))
    except queryset.model.DoesNotExist:
        raise Http404 from None
