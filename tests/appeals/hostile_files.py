"""Builders for valid and hostile upload files, made in code so no binary blob is committed.

Each hostile file says what must happen to it: REJECTED (refused with a given code) or
NEUTRALISED (accepted, but stored without the dangerous part, or under a safe name).
"""

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from enum import StrEnum

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from appeals.uploads import MAX_BYTES, MAX_IMAGE_PIXELS

SCRIPT = b"<script>alert(document.cookie)</script>"


class Outcome(StrEnum):
    REJECTED = "rejected"
    NEUTRALISED = "neutralised"


@dataclass(frozen=True)
class HostileFile:
    label: str
    name: str
    content: bytes
    claimed_type: str  # what a lying browser sends as the part's Content-Type
    outcome: Outcome
    rejection_code: str | None = None
    # For neutralised files: bytes that must not survive into storage, and the expected result.
    forbidden_in_stored: bytes | None = None
    stored_type: str | None = None
    display_name: str | None = None

    def as_upload(self) -> SimpleUploadedFile:
        return SimpleUploadedFile(self.name, self.content, content_type=self.claimed_type)


# --- valid files -----------------------------------------------------------------------------


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    return _written(writer)


def png_bytes(size: tuple[int, int] = (8, 6), mode: str = "RGB", **save_options: object) -> bytes:
    output = io.BytesIO()
    colour = {"P": 1, "RGBA": (255, 0, 0, 128)}.get(mode, "red")
    Image.new(mode, size, colour).save(output, "PNG", **save_options)
    return output.getvalue()


def palette_png_with_transparency() -> bytes:
    image = Image.new("P", (8, 6), 0)
    image.putpalette([255, 0, 0, 0, 255, 0])
    image.paste(1, (0, 0, 4, 6))
    output = io.BytesIO()
    image.save(output, "PNG", transparency=0)
    return output.getvalue()


def jpeg_bytes(size: tuple[int, int] = (8, 6), **save_options: object) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, "blue").save(output, "JPEG", **save_options)
    return output.getvalue()


def text_bytes() -> bytes:
    return "Dear reviewer,\nthe client confirmed delivery on 3 March — see attached.\n".encode()


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF from object bodies (object 1 is the catalog), with a correct cross-reference table,
    for structures PdfWriter will not write (obfuscated names, orphan objects)."""
    output = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        output += b"%010d 00000 n \n" % offset
    output += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(output)


PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"


def raw_pdf_with_catalog_entries(entries: bytes, *extra_objects: bytes) -> bytes:
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R " + entries + b" >>", PAGES, PAGE, *extra_objects
    )


# --- hostile builders ------------------------------------------------------------------------


def _written(writer: PdfWriter) -> bytes:
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _pdf_with_javascript_open_action() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('pwned')"),
        }
    )
    return _written(writer)


def _pdf_with_document_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_open_action(JavaScript("app.alert('pwned')"))  # a /Names /JavaScript tree entry
    return _written(writer)


def _pdf_with_embedded_file() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_attachment("invoice.exe", _pe_bytes())
    return _written(writer)


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret", algorithm="RC4-128")
    return _written(writer)


def _pdf_with_javascript_in_a_compressed_object_stream() -> bytes:
    """PDF 1.5 layout: the action sits Flate-compressed inside an object stream and the
    cross-reference is itself a stream, so no byte pattern in the file says "JavaScript"."""
    action = b"<< /S /JavaScript /JS (app.alert(1)) >>"
    header = b"5 0 "
    packed = zlib.compress(header + action)
    output = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    bodies = {
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        2: PAGES,
        3: PAGE,
        4: b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
        % (len(header), len(packed), packed),
    }
    for number, body in bodies.items():
        offsets[number] = len(output)
        output += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[6] = len(output)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offsets[number], 0) for number in (1, 2, 3, 4)]
    rows += [struct.pack(">BIH", 2, 4, 0), struct.pack(">BIH", 1, offsets[6], 0)]
    table = b"".join(rows)
    output += (
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\n"
        b"stream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % (len(table), table, offsets[6])
    )
    return bytes(output)


def _png_bomb(width: int, height: int) -> bytes:
    """A real 1-bit PNG of the given size whose all-zero pixels compress to almost nothing."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def _jpeg_with_script_metadata() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = SCRIPT.decode()  # ImageDescription
    exif[0x013B] = SCRIPT.decode()  # Artist
    return jpeg_bytes(exif=exif.tobytes(), comment=SCRIPT)


def _png_with_script_text_chunk() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SCRIPT.decode())
    info.add_itxt("XML:com.adobe.xmp", SCRIPT.decode())
    return png_bytes(pnginfo=info)


def _elf_bytes() -> bytes:
    header = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + struct.pack("<HHI", 2, 0x3E, 1)
    return header + b"\x00" * 200


def _pe_bytes() -> bytes:
    dos_header = b"MZ" + b"\x00" * 58 + struct.pack("<I", 64)
    return dos_header + b"PE\x00\x00" + struct.pack("<H", 0x14C) + b"\x00" * 200


def _zip_bytes() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("payload.html", SCRIPT)
    return output.getvalue()


_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


def hostile_corpus() -> list[HostileFile]:
    rejected = Outcome.REJECTED
    neutralised = Outcome.NEUTRALISED
    return [
        HostileFile(
            "html renamed .pdf",
            "statement.pdf",
            b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>",
            "application/pdf",
            rejected,
            "type_not_allowed",
        ),
        HostileFile(
            "svg with script as .png", "logo.png", _SVG, "image/png", rejected, "type_not_allowed"
        ),
        HostileFile(
            "svg with script as .svg",
            "logo.svg",
            _SVG,
            "image/svg+xml",
            rejected,
            "type_not_allowed",
        ),
        HostileFile(
            "svg with xml prolog as .txt",
            "notes.txt",
            b'<?xml version="1.0"?>\n' + _SVG,
            "text/plain",
            rejected,
            "type_not_allowed",
        ),
        HostileFile(
            "svg that libmagic calls text, as .txt",
            "notes.txt",
            b"   \n<Svg onload=alert(document.cookie)>",
            "text/plain",
            rejected,
            "text_looks_like_markup",
        ),
        HostileFile(
            "html after 9000 blank characters, as .txt",
            "notes.txt",
            b" " * 9000 + b"<html><body>" + SCRIPT,
            "text/plain",
            rejected,
            "text_looks_like_markup",
        ),
        HostileFile(
            "png followed by an html payload (polyglot)",
            "screenshot.png",
            png_bytes() + b"<html><body>" + SCRIPT + b"</body></html>",
            "text/html",
            neutralised,
            forbidden_in_stored=b"<script",
            stored_type="image/png",
            display_name="screenshot.png",
        ),
        HostileFile(
            "jpeg followed by a zip archive (polyglot)",
            "photo.jpg",
            jpeg_bytes() + _zip_bytes(),
            "image/jpeg",
            neutralised,
            forbidden_in_stored=b"PK\x03\x04",
            stored_type="image/jpeg",
            display_name="photo.jpg",
        ),
        HostileFile(
            "jpeg with a script in exif and comment",
            "receipt.jpeg",
            _jpeg_with_script_metadata(),
            "image/jpeg",
            neutralised,
            forbidden_in_stored=b"<script",
            stored_type="image/jpeg",
            display_name="receipt.jpg",
        ),
        HostileFile(
            "png with a script in text chunks",
            "chart.png",
            _png_with_script_text_chunk(),
            "image/png",
            neutralised,
            forbidden_in_stored=b"<script",
            stored_type="image/png",
            display_name="chart.png",
        ),
        HostileFile(
            "elf executable renamed .png",
            "photo.png",
            _elf_bytes(),
            "image/png",
            rejected,
            "type_not_allowed",
        ),
        HostileFile(
            # libmagic labels this broken ELF header "text/plain"; the NUL rule still refuses it.
            "elf header that libmagic calls text, renamed .txt",
            "notes.txt",
            b"\x7fELF" + b"\x00" * 64,
            "text/plain",
            rejected,
            "text_has_nul",
        ),
        HostileFile(
            "windows executable renamed .png",
            "photo.png",
            _pe_bytes(),
            "image/png",
            rejected,
            "type_not_allowed",
        ),
        HostileFile(
            "zip renamed .pdf",
            "contract.pdf",
            _zip_bytes(),
            "application/pdf",
            rejected,
            "type_not_allowed",
        ),
        HostileFile(
            "gif renamed .png",
            "anim.png",
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
            "image/png",
            rejected,
            "type_not_allowed",
        ),
        HostileFile(
            "one byte over the size limit",
            "log.txt",
            b"a" * (MAX_BYTES + 1),
            "text/plain",
            rejected,
            "too_large",
        ),
        HostileFile(
            "pdf with a javascript open action",
            "invoice.pdf",
            _pdf_with_javascript_open_action(),
            "application/pdf",
            rejected,
            "pdf_active_content",
        ),
        HostileFile(
            "pdf with document-level javascript",
            "invoice.pdf",
            _pdf_with_document_javascript(),
            "application/pdf",
            rejected,
            "pdf_active_content",
        ),
        HostileFile(
            "pdf with a launch action",
            "invoice.pdf",
            raw_pdf_with_catalog_entries(b"/OpenAction << /S /Launch /F (calc.exe) >>"),
            "application/pdf",
            rejected,
            "pdf_active_content",
        ),
        HostileFile(
            "pdf with an embedded executable",
            "invoice.pdf",
            _pdf_with_embedded_file(),
            "application/pdf",
            rejected,
            "pdf_active_content",
        ),
        HostileFile(
            "pdf hiding javascript behind #-escaped names",
            "invoice.pdf",
            raw_pdf_with_catalog_entries(
                b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"
            ),
            "application/pdf",
            rejected,
            "pdf_active_content",
        ),
        HostileFile(
            "pdf with javascript on page open",
            "invoice.pdf",
            raw_pdf(
                b"<< /Type /Catalog /Pages 2 0 R >>",
                PAGES,
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200]"
                b" /AA << /O << /S /JavaScript /JS (app.alert(1)) >> >> >>",
            ),
            "application/pdf",
            rejected,
            "pdf_active_content",
        ),
        HostileFile(
            "pdf with javascript compressed inside an object stream",
            "invoice.pdf",
            _pdf_with_javascript_in_a_compressed_object_stream(),
            "application/pdf",
            rejected,
            "pdf_active_content",
        ),
        HostileFile(
            "pdf with javascript in an object nothing references",
            "invoice.pdf",
            raw_pdf_with_catalog_entries(b"", b"<< /S /JavaScript /JS (app.alert(1)) >>"),
            "application/pdf",
            rejected,
            "pdf_active_content",
        ),
        HostileFile(
            "pdf with a javascript: link",
            "invoice.pdf",
            raw_pdf(
                b"<< /Type /Catalog /Pages 2 0 R >>",
                PAGES,
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>",
                b"<< /Type /Annot /Subtype /Link /Rect [0 0 200 200]"
                b" /A << /S /URI /URI (javascript:alert(1)) >> >>",
            ),
            "application/pdf",
            rejected,
            "pdf_active_content",
        ),
        HostileFile(
            "password-protected pdf",
            "statement.pdf",
            _encrypted_pdf(),
            "application/pdf",
            rejected,
            "pdf_encrypted",
        ),
        HostileFile(
            "truncated pdf",
            "statement.pdf",
            pdf_bytes()[:200],
            "application/pdf",
            rejected,
            "unreadable",
        ),
        HostileFile(
            "png decompression bomb: 20000 x 20000 pixels in a tiny file",
            "bomb.png",
            _png_bomb(20_000, 20_000),
            "image/png",
            rejected,
            "image_too_large",
        ),
        HostileFile(
            "png just over the pixel limit",
            "scan.png",
            _png_bomb(7_000, MAX_IMAGE_PIXELS // 7_000 + 1),
            "image/png",
            rejected,
            "image_too_large",
        ),
        HostileFile(
            "truncated png",
            "scan.png",
            png_bytes((64, 64))[:60],
            "image/png",
            rejected,
            "unreadable",
        ),
        HostileFile(
            "truncated jpeg",
            "scan.jpg",
            jpeg_bytes((64, 64))[:300],
            "image/jpeg",
            rejected,
            "unreadable",
        ),
        HostileFile(
            "text with NUL bytes",
            "notes.txt",
            b"hello\x00world\n",
            "text/plain",
            rejected,
            "type_not_allowed",
        ),
        HostileFile(
            "text with a NUL byte after the part libmagic reads",
            "notes.txt",
            b"hello world\n" * 1000 + b"\x00",
            "text/plain",
            rejected,
            "text_has_nul",
        ),
        HostileFile(
            "text in latin-1, not utf-8",
            "notes.txt",
            "Café, naïve résumé\n".encode("latin-1"),
            "text/plain",
            rejected,
            "text_not_utf8",
        ),
        HostileFile("empty file", "notes.txt", b"", "text/plain", rejected, "empty"),
        HostileFile(
            "windows path in the name",
            "C:\\Windows\\System32\\evidence.txt",
            text_bytes(),
            "text/plain",
            neutralised,
            stored_type="text/plain",
            display_name="evidence.txt",
        ),
        HostileFile(
            "NUL byte and executable extension in the name",
            "report.pdf\x00.exe",
            pdf_bytes(),
            "application/x-msdownload",
            neutralised,
            stored_type="application/pdf",
            display_name="report.pdf",
        ),
        HostileFile(
            "quotes, CRLF and a header in the name",
            "a\"b'c\r\nSet-Cookie: x=1.txt",
            text_bytes(),
            "text/plain",
            neutralised,
            stored_type="text/plain",
            display_name="abcSet-Cookie x=1.txt",
        ),
        HostileFile(
            "right-to-left override hiding .exe",
            "invoice\u202efdp.exe",
            pdf_bytes(),
            "application/pdf",
            neutralised,
            stored_type="application/pdf",
            display_name="invoicefdp.pdf",
        ),
    ]
