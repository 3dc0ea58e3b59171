"""Why an action on a demand was refused, in words for people and with the HTTP status the API answers.

* `ActionInvalid` (400): an argument is wrong; `field` names it.
* `ActionForbidden` (403): the user reaches the demand but none of their roles may take this action here.
* `ActionNotAllowed` (409): the demand's state does not allow it (not a FLOW edge, wrong tier, parts missing).
* `DemandConflict` (409): someone else changed the demand first (the compare-and-swap was lost).
"""

from __future__ import annotations


class DemandActionError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.field = field

    def as_dict(self) -> dict[str, list[str]] | dict[str, str]:
        """The API's body: `{field: [message]}` for bad input, `{"detail": message, "code": …}` otherwise."""
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message, "code": self.code}


class ActionInvalid(DemandActionError):
    status_code = 400
    code = "invalid"


class ActionForbidden(DemandActionError):
    status_code = 403
    code = "forbidden"


class ActionNotAllowed(DemandActionError):
    status_code = 409
    code = "not_allowed"


class DemandConflict(DemandActionError):
    status_code = 409
    code = "conflict"
