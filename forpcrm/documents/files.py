"""Checks and storage of uploaded files.

A file is refused (``ValidationError`` naming the file and the rule, nothing stored) when its name
holds a path separator, ``..`` or a control character (NUL), when its extension is not in
``DOCUMENT_ALLOWED_EXTENSIONS``, when it is empty or larger than ``DOCUMENT_MAX_BYTES``, when its
first bytes are those of a program (MZ, ELF, Mach-O, ``#!`` …) whatever its extension, or when an
image or PDF is not what its extension says. Accepted files are stored under a generated name
(``documents/<yyyy>/<mm>/<uuid>.<ext>``) through the default storage; the user's file name is kept
as text only.
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import unicodedata
import uuid
from dataclasses import dataclass
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from forpcrm.imports.exporting import content_disposition

DEFAULT_ALLOWED_EXTENSIONS = (
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "txt", "csv", "md",
    "png", "jpg", "jpeg", "gif", "webp", "zip", "rar", "7z", "eml", "msg",
)
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# Marks a file name that the multipart parser would have shortened (see uploads.py): the raw name
# follows, percent-encoded, so the check below can refuse it and quote it back to the user.
UNSAFE_NAME_MARK = "\x00unsafe:"

_EXECUTABLE_SIGNATURES = (
    (b"MZ", "Windows"),
    (b"\x7fELF", "ELF"),
    (b"#!", "script"),
    (b"\xfe\xed\xfa\xce", "Mach-O"),
    (b"\xfe\xed\xfa\xcf", "Mach-O"),
    (b"\xce\xfa\xed\xfe", "Mach-O"),
    (b"\xcf\xfa\xed\xfe", "Mach-O"),
    (b"\xca\xfe\xba\xbe", "Mach-O / Java"),
    (b"\x00asm", "WebAssembly"),
    (b"dex\n", "Android"),
)

_PREVIEW_SIGNATURES = {
    "application/pdf": ("pdf",),
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
}


def allowed_extensions() -> tuple[str, ...]:
    configured = getattr(settings, "DOCUMENT_ALLOWED_EXTENSIONS", None) or DEFAULT_ALLOWED_EXTENSIONS
    return tuple(str(ext).lower().lstrip(".") for ext in configured)


def max_bytes() -> int:
    return int(getattr(settings, "DOCUMENT_MAX_BYTES", None) or DEFAULT_MAX_BYTES)


def sniff(head: bytes) -> str:
    """The content type the first bytes show ("" when they show none we know)."""
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"
    return ""


def executable_kind(head: bytes) -> str:
    """The kind of program the first bytes show, or ""."""
    for signature, kind in _EXECUTABLE_SIGNATURES:
        if head.startswith(signature):
            return kind
    return ""


def _shown_name(name: str) -> str:
    if name.startswith(UNSAFE_NAME_MARK):
        return unquote(name[len(UNSAFE_NAME_MARK):])
    return name


def _name_problem(name: str) -> str:
    if not name or name.startswith(UNSAFE_NAME_MARK):
        return _("file names may not contain folders (“/”, “\\”, “..”) or control characters")
    if "/" in name or "\\" in name or name in {".", ".."} or ".." in name.split("/"):
        return _("file names may not contain folders (“/”, “\\”, “..”) or control characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        return _("file names may not contain folders (“/”, “\\”, “..”) or control characters")
    if len(name) > 255:
        return _("the file name is longer than 255 characters")
    return ""


def extension_of(name: str) -> str:
    base, dot, ext = name.rpartition(".")
    return ext.lower() if dot and base.strip(" .") else ""


@dataclass
class CheckedFile:
    file: object  # UploadedFile / File
    name: str
    extension: str
    size: int
    content_type: str
    sha256: str


def _read_digest(file) -> tuple[bytes, str, int]:
    """First bytes, SHA-256 and real size, reading in chunks (the file is rewound)."""
    digest = hashlib.sha256()
    head = b""
    size = 0
    if hasattr(file, "seek"):
        file.seek(0)
    chunks = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b"")
    for chunk in chunks:
        if len(head) < 2048:
            head += chunk[: 2048 - len(head)]
        digest.update(chunk)
        size += len(chunk)
    if hasattr(file, "seek"):
        file.seek(0)
    return head, digest.hexdigest(), size


def file_check(file) -> CheckedFile:
    """Check one uploaded file; raise ValidationError({"files": [message]}) naming it and the rule."""
    raw_name = str(getattr(file, "name", "") or "")
    shown = _shown_name(raw_name)

    def refuse(rule: str):
        raise ValidationError({"files": [_("“%(name)s” was refused: %(rule)s.") % {"name": shown, "rule": rule}]},
                              code="file_refused")

    problem = _name_problem(raw_name)
    if problem:
        refuse(problem)
    extension = extension_of(raw_name)
    allowed = allowed_extensions()
    if extension not in allowed:
        refuse(_("only these file types are allowed: %(types)s") % {"types": ", ".join(allowed)})
    limit = max_bytes()
    declared = getattr(file, "size", None)
    if declared is not None and declared > limit:
        refuse(_("the file is larger than %(limit)s") % {"limit": filesizeformat(limit)})
    head, sha256, size = _read_digest(file)
    if size > limit:
        refuse(_("the file is larger than %(limit)s") % {"limit": filesizeformat(limit)})
    if size == 0:
        refuse(_("the file is empty"))
    kind = executable_kind(head)
    if kind:
        refuse(_("the file is a program (%(kind)s), whatever its extension") % {"kind": kind})
    sniffed = sniff(head)
    for content_type, extensions in _PREVIEW_SIGNATURES.items():
        if extension in extensions and sniffed != content_type:
            refuse(_("the content is not a .%(ext)s file") % {"ext": extension})
    if not sniffed:
        sniffed = mimetypes.types_map.get(f".{extension}", "") or "application/octet-stream"
        if sniffed.startswith("text/") or sniffed in ("application/javascript", "application/xml"):
            sniffed = "text/plain"
    return CheckedFile(file=file, name=raw_name, extension=extension, size=size, content_type=sniffed,
                       sha256=sha256)


def files_check(files) -> list[CheckedFile]:
    """Check every file; one ValidationError lists every refused file (so nothing is stored)."""
    checked, errors = [], []
    for file in files:
        try:
            checked.append(file_check(file))
        except ValidationError as exc:
            errors.extend(exc.message_dict.get("files", exc.messages))
    if errors:
        raise ValidationError({"files": errors}, code="file_refused")
    if not checked:
        raise ValidationError({"files": [_("Choose at least one file.")]}, code="required")
    return checked


def storage_name(extension: str, *, folder: str = "documents") -> str:
    """A generated storage name: nothing of the user's file name reaches the disk."""
    now = timezone.now()
    return f"{folder}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{extension}"


def file_store(checked: CheckedFile, *, folder: str = "documents") -> str:
    """Save through the default storage; returns the stored name."""
    file = checked.file
    if hasattr(file, "seek"):
        file.seek(0)
    return default_storage.save(storage_name(checked.extension, folder=folder), file)


def bytes_store(data: bytes, *, extension: str, folder: str) -> str:
    from django.core.files.base import ContentFile

    return default_storage.save(storage_name(extension, folder=folder), ContentFile(data))


def stored_delete(names) -> None:
    """Remove files saved by a write that then failed (best effort)."""
    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)


def disposition(filename: str, *, inline: bool = False) -> str:
    """Content-Disposition with an ASCII fallback and the real (Chinese) name as RFC 5987 filename*."""
    value = content_disposition(filename)
    return "inline" + value.removeprefix("attachment") if inline else value
