"""Which files may be attached to a demand: size and type limits, checked on the name AND the content.

Pure (no database, no storage). The type is decided by the file's first bytes, not by what the browser claims:
a script renamed to `.pdf` is refused, and the stored content type is always ours, so the download view never
serves something a browser would execute.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from django.utils.translation import gettext as _

from demandloop.demands.errors import ActionInvalid

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class AttachmentKind:
    content_type: str
    magic: tuple[bytes, ...]


# Documents and pictures an enterprise or a clerk attaches in practice (OFD: China's e-document format).
ALLOWED_KINDS: dict[str, AttachmentKind] = {
    ".pdf": AttachmentKind("application/pdf", (b"%PDF-",)),
    ".jpg": AttachmentKind("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": AttachmentKind("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": AttachmentKind("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".doc": AttachmentKind("application/msword", (OLE,)),
    ".xls": AttachmentKind("application/vnd.ms-excel", (OLE,)),
    ".docx": AttachmentKind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)
    ),
    ".xlsx": AttachmentKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    ".ofd": AttachmentKind("application/ofd", (ZIP,)),
    ".txt": AttachmentKind("text/plain", ()),
}
# How many leading bytes `check_attachment` needs to see.
HEAD_BYTES = 16


def clean_name(name: str) -> str:
    """The file's own name without any folder part a client may send ("C:\\x\\a.pdf", "../a.pdf")."""
    return PurePosixPath(name.replace("\\", "/")).name.strip()[:200]


def check_attachment(name: str, size: int, head: bytes, *, max_bytes: int) -> AttachmentKind:
    """The kind of the file, or `ActionInvalid` on the field "file" saying what is wrong."""
    base = clean_name(name)
    suffix = PurePosixPath(base).suffix.lower()
    if not base or suffix not in ALLOWED_KINDS:
        allowed = "、".join(sorted({s.lstrip(".") for s in ALLOWED_KINDS}))
        raise ActionInvalid(
            _("Files of this type cannot be attached; allowed types: %(allowed)s.") % {"allowed": allowed},
            field="file",
        )
    if size <= 0:
        raise ActionInvalid(_("The file is empty."), field="file")
    if size > max_bytes:
        raise ActionInvalid(
            _("The file is larger than the limit of %(limit)d MB.") % {"limit": max_bytes // (1024 * 1024)},
            field="file",
        )
    kind = ALLOWED_KINDS[suffix]
    if kind.magic and not any(head.startswith(magic) for magic in kind.magic):
        raise ActionInvalid(
            _("The file's content does not match its type %(suffix)s.") % {"suffix": suffix}, field="file"
        )
    if not kind.magic and b"\x00" in head:
        raise ActionInvalid(
            _("The file's content does not match its type %(suffix)s.") % {"suffix": suffix}, field="file"
        )
    return kind
