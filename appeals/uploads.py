"""Validation of files attached to appeals and appeal messages.

A file is accepted only when its *content* is one of a few types a reviewer can open safely
(PDF, PNG, JPEG, UTF-8 text). The name and the browser's content type are never trusted: the
type comes from libmagic on the first bytes, then a real parse confirms it. Images are re-encoded
from their pixels, which drops metadata and anything appended after the image data (polyglots).
PDFs are refused when they carry scripts, launch actions or embedded files, and the accepted
ones are rewritten by pypdf from the parsed objects: bytes after `%%EOF` (an HTML or script
tail, a second document appended as an incremental update that this parse does not read) do
not survive. Stored files must still be served as attachments with
``X-Content-Type-Options: nosniff`` and the content type recorded here; the display name is for
showing, never for storage paths.
"""

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import magic
import pypdf
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image, ImageOps
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
}

# libmagic needs only the start of a file to recognise these formats; what follows is checked by
# the parse. Text beyond the head is checked by the UTF-8 and NUL rules below.
MAGIC_HEAD_BYTES = 8192
# Decoding cost grows with pixels, not bytes: a 50 KB PNG can claim 400 megapixels. 40 MP covers
# phone photos and full-page scans and keeps one decode under ~160 MB (RGBA).
MAX_IMAGE_PIXELS = 40_000_000
# Walking a PDF's objects is linear in their number; a pathological file cannot make it unbounded.
MAX_PDF_OBJECTS = 100_000
MAX_NAME_CHARS = 100

# libmagic gives some plain letters a more specific text label: a pasted email is
# message/rfc822, a payout export is text/csv. They are stored and served as text/plain, after
# the same text checks, so accepting them widens nothing a browser would act on.
_CONTENT_TYPE_FOR_MAGIC = {
    "application/pdf": "application/pdf",
    "image/png": "image/png",
    "image/jpeg": "image/jpeg",
    "text/plain": "text/plain",
    "text/csv": "text/plain",
    "message/rfc822": "text/plain",
}
_PILLOW_FORMAT = {"image/png": "PNG", "image/jpeg": "JPEG"}
# Translated where the message is made (gettext_noop only marks them for the catalogue).
_KIND_FOR_USERS = {
    "application/pdf": "PDF",
    "image/png": gettext_noop("PNG image"),
    "image/jpeg": gettext_noop("JPEG image"),
    "text/plain": gettext_noop("text file"),
}

# libmagic already labels most markup text/html or image/svg+xml (refused, not allowed), but it
# misses some spellings, e.g. "<Svg onload=...>" after a blank line. Browsers sniff these.
_MARKUP_PREFIXES = ("<!doctype", "<?xml", "<html", "<head", "<body", "<script", "<svg", "<iframe")

# Keys whose presence means scripts, embedded files or XFA forms, which a reviewer's viewer runs.
_PDF_FORBIDDEN_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/RichMediaContent"}
)
# Action types (/S) that run code, open other files or send data. /GoTo, /URI (http, https,
# mailto) and /Named stay allowed: office suites write a /GoTo OpenAction into ordinary PDFs.
_PDF_FORBIDDEN_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/SubmitForm",
        "/GoToR",
        "/GoToE",
        "/RichMediaExecute",
        "/Rendition",
        "/Movie",
        "/Sound",
    }
)
_PDF_ALLOWED_URI_SCHEMES = ("http://", "https://", "mailto:")

# Control, format (bidi overrides, zero-width), surrogate, private-use and unassigned characters,
# plus line and paragraph separators: none belongs in a file name shown to a reviewer.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Quotes break out of Content-Disposition and HTML attributes; the rest are reserved on Windows,
# where reviewers save the files.
_NAME_REMOVED_CHARS = frozenset("\"'`<>:|?*")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}$")


class UploadRejected(ValidationError):
    """A file (or a submission of files) was refused; the messages are safe to show the user."""


@dataclass(frozen=True)
class CleanUpload:
    display_name: str
    content_type: str
    data: bytes
    size: int
    sha256: str


def validate_uploads(uploads: list[UploadedFile]) -> list[CleanUpload]:
    """Validate a whole submission, reporting every refused file at once."""
    if len(uploads) > MAX_FILES:
        raise UploadRejected(
            _("You can attach at most %(max)d files; you chose %(count)d."),
            code="too_many_files",
            params={"max": MAX_FILES, "count": len(uploads)},
        )
    accepted: list[CleanUpload] = []
    refused: list[UploadRejected] = []
    for upload in uploads:
        try:
            accepted.append(validate_upload(upload))
        except UploadRejected as rejection:
            refused.append(rejection)
    if len(refused) == 1:
        raise refused[0]
    if refused:
        raise UploadRejected(refused)
    return accepted


def validate_upload(upload: UploadedFile) -> CleanUpload:
    shown_name = _name_for_messages(upload.name or "")
    data = _read_within_limit(upload, shown_name)
    if not data:
        raise _rejected("empty", _("“%(name)s” is empty."), shown_name)

    detected = magic.from_buffer(data[:MAGIC_HEAD_BYTES], mime=True)
    content_type = _CONTENT_TYPE_FOR_MAGIC.get(detected)
    if content_type is None:
        raise _rejected(
            "type_not_allowed",
            _("“%(name)s” is not a PDF, PNG, JPEG or plain-text file, so it cannot be attached."),
            shown_name,
        )

    if content_type == "application/pdf":
        stored = _rewrite_pdf(_check_pdf(data, shown_name), shown_name)
    elif content_type == "text/plain":
        _check_text(data, shown_name)
        stored = data
    else:
        stored = _reencode_image(data, content_type, shown_name)

    return CleanUpload(
        display_name=safe_display_name(upload.name or "", content_type),
        content_type=content_type,
        data=stored,
        size=len(stored),
        sha256=hashlib.sha256(stored).hexdigest(),
    )


def safe_display_name(name: str, content_type: str) -> str:
    """The name to show and to send in Content-Disposition, ending in the detected type's
    extension: `invoice.pdf.exe` that is really a PDF becomes `invoice.pdf`."""
    extension = ALLOWED_TYPES[content_type]
    stem = _clean_name(name).rstrip(" .")
    match = _EXTENSION.search(stem)
    if match:
        stem = stem[: match.start()]
    stem = stem[: MAX_NAME_CHARS - len(extension)]
    # Strip repeats too, so that sanitising a sanitised name changes nothing.
    while True:
        stem = stem.strip(" .")
        if stem[-len(extension) :].lower() != extension:
            break
        stem = stem[: -len(extension)]
    return (stem or "attachment") + extension


def _clean_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name)
    # Browsers and clients send full paths with either separator (old IE sends C:\\...\\x.pdf).
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        char
        for char in name
        if unicodedata.category(char) not in _INVISIBLE_CATEGORIES
        and char not in _NAME_REMOVED_CHARS
    )
    name = " ".join(name.split())
    name = re.sub(r"\.{2,}", ".", name)
    return unicodedata.normalize("NFC", name)


def _name_for_messages(name: str) -> str:
    return _clean_name(name).strip(" .")[:MAX_NAME_CHARS].rstrip(" .") or _("attachment")


def _rejected(code: str, message: str, name: str, **params: Any) -> UploadRejected:
    return UploadRejected(message, code=code, params={"name": name, **params})


def _read_within_limit(upload: UploadedFile, shown_name: str) -> bytes:
    too_large = _rejected(
        "too_large",
        _("“%(name)s” is larger than the %(max_mb)d MB limit."),
        shown_name,
        max_mb=MAX_BYTES // (1024 * 1024),
    )
    if upload.size is not None and upload.size > MAX_BYTES:
        raise too_large
    # The declared size comes from the upload handler or the client; count what is really there.
    chunks: list[bytes] = []
    total = 0
    for chunk in upload.chunks():
        total += len(chunk)
        if total > MAX_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _unreadable(content_type: str, shown_name: str) -> UploadRejected:
    return _rejected(
        "unreadable",
        _("“%(name)s” looks like a %(kind)s but could not be read; it may be damaged."),
        shown_name,
        kind=_(_KIND_FOR_USERS[content_type]),
    )


def _check_text(data: bytes, shown_name: str) -> None:
    if b"\x00" in data:
        raise _rejected(
            "text_has_nul",
            _("“%(name)s” contains binary data, so it is not a plain-text file."),
            shown_name,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _rejected(
            "text_not_utf8",
            _("“%(name)s” is not UTF-8 text. Please save it as UTF-8 and attach it again."),
            shown_name,
        ) from None
    if text.lstrip().lower().startswith(_MARKUP_PREFIXES):
        raise _rejected(
            "text_looks_like_markup",
            _("“%(name)s” looks like a web page or an SVG image, which we do not accept."),
            shown_name,
        )


def _check_pdf(data: bytes, shown_name: str) -> pypdf.PdfReader:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
        encrypted = reader.is_encrypted
    except Exception:  # pypdf raises many types on malformed input; all mean "not a sound PDF".
        raise _unreadable("application/pdf", shown_name) from None
    if encrypted:
        raise _rejected(
            "pdf_encrypted",
            _("“%(name)s” is password-protected. Please attach a copy without a password."),
            shown_name,
        )
    try:
        page_count = len(reader.pages)
        problem = _pdf_active_content(reader)
    except _PdfTooComplex:
        raise _rejected(
            "pdf_too_complex",
            _("“%(name)s” is too complex to check. Please print it to a new PDF and attach that."),
            shown_name,
        ) from None
    except Exception:
        raise _unreadable("application/pdf", shown_name) from None
    if page_count == 0:
        raise _unreadable("application/pdf", shown_name)
    if problem:
        raise _rejected(
            "pdf_active_content",
            _(
                "“%(name)s” contains scripts, embedded files or actions that open other files, "
                "which we cannot accept. Please print it to a new PDF and attach that."
            ),
            shown_name,
            found=problem,
        )
    return reader


def _rewrite_pdf(reader: pypdf.PdfReader, shown_name: str) -> bytes:
    """A new file written from the objects the parse read: one body, one cross-reference,
    ending at its own `%%EOF`."""
    output = io.BytesIO()
    try:
        pypdf.PdfWriter(clone_from=reader).write(output)
        rewritten = output.getvalue()
        pypdf.PdfReader(io.BytesIO(rewritten), strict=True).pages[0]  # noqa: B018 (parses)
    except Exception:  # pypdf raises many types on malformed input; all mean "not a sound PDF".
        raise _unreadable("application/pdf", shown_name) from None
    if len(rewritten) > MAX_BYTES:
        raise _rejected(
            "too_large",
            _("“%(name)s” is larger than the %(max_mb)d MB limit."),
            shown_name,
            max_mb=MAX_BYTES // (1024 * 1024),
        )
    return rewritten


class _PdfTooComplex(Exception):
    pass


def _pdf_active_content(reader: pypdf.PdfReader) -> str | None:
    """The first scripting or embedding feature found, or None.

    Walks every object reachable from the trailer *and* every object listed in the
    cross-reference, because another viewer may reach an object this parse treats as unused.
    """
    pending: list[PdfObject] = [reader.trailer]
    for generation, numbers in reader.xref.items():
        pending.extend(IndirectObject(number, generation, reader) for number in numbers)
    pending.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    seen: set[tuple[int, int]] = set()
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            reference = (item.idnum, item.generation)
            if reference in seen:
                continue
            seen.add(reference)
            if len(seen) > MAX_PDF_OBJECTS:
                raise _PdfTooComplex
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                if key in _PDF_FORBIDDEN_KEYS:
                    return str(key)
                pending.append(value)
            problem = _pdf_forbidden_action(item)
            if problem:
                return problem
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    return None


def _pdf_forbidden_action(dictionary: DictionaryObject) -> str | None:
    action_type = _resolved(dictionary.get("/S"))
    if not isinstance(action_type, str):
        return None
    if action_type in _PDF_FORBIDDEN_ACTIONS:
        return str(action_type)
    if action_type == "/URI":
        uri = _resolved(dictionary.get("/URI"))
        target = uri.decode("latin-1") if isinstance(uri, bytes) else str(uri or "")
        if not target.strip().lower().startswith(_PDF_ALLOWED_URI_SCHEMES):
            return "/URI"
    return None


def _resolved(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _reencode_image(data: bytes, content_type: str, shown_name: str) -> bytes:
    image_format = _PILLOW_FORMAT[content_type]
    too_many_pixels = _rejected(
        "image_too_large",
        _("“%(name)s” has more than %(megapixels)d megapixels. Please attach a smaller image."),
        shown_name,
        megapixels=MAX_IMAGE_PIXELS // 1_000_000,
    )
    try:
        # Opening reads only the header; Pillow itself refuses (or warns about) bombs here.
        with Image.open(io.BytesIO(data), formats=[image_format]) as probe:
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                raise too_many_pixels
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[image_format]) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except Exception:  # Pillow raises many types on malformed input; all mean "not an image".
        raise _unreadable(content_type, shown_name) from None

    # Saving reuses some of image.info (JPEG comments, ICC profiles), so keep only what the
    # pixels need: PNG transparency.
    upright.info = {key: upright.info[key] for key in ("transparency",) if key in upright.info}
    output = io.BytesIO()
    if image_format == "JPEG":
        upright.save(output, format="JPEG", quality=90)
    else:
        upright.save(output, format="PNG")
    return output.getvalue()
