import hashlib
import io
import unicodedata

import pypdf
import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from appeals import uploads
from appeals.uploads import (
    ALLOWED_TYPES,
    MAX_BYTES,
    MAX_FILES,
    MAX_NAME_CHARS,
    UploadRejected,
    safe_display_name,
    validate_upload,
    validate_uploads,
)
from tests.appeals.hostile_files import (
    PAGES,
    SCRIPT,
    HostileFile,
    Outcome,
    hostile_corpus,
    jpeg_bytes,
    palette_png_with_transparency,
    pdf_bytes,
    png_bytes,
    raw_pdf,
    raw_pdf_with_catalog_entries,
    text_bytes,
)

CORPUS = hostile_corpus()


def test_the_hostile_corpus_has_at_least_twelve_files_of_each_outcome_between_them():
    assert len(CORPUS) >= 12
    assert {hostile.outcome for hostile in CORPUS} == {Outcome.REJECTED, Outcome.NEUTRALISED}


@pytest.mark.parametrize(
    "hostile",
    [hostile for hostile in CORPUS if hostile.outcome == Outcome.REJECTED],
    ids=lambda hostile: hostile.label,
)
def test_hostile_file_is_rejected_with_a_message_naming_it_safely(hostile: HostileFile):
    with pytest.raises(UploadRejected) as refused:
        validate_upload(hostile.as_upload())

    assert refused.value.code == hostile.rejection_code
    [message] = refused.value.messages
    assert f"“{refused.value.params['name']}”" in message
    assert message.isprintable()


@pytest.mark.parametrize(
    "hostile",
    [hostile for hostile in CORPUS if hostile.outcome == Outcome.NEUTRALISED],
    ids=lambda hostile: hostile.label,
)
def test_hostile_file_is_neutralised_before_storage(hostile: HostileFile):
    clean = validate_upload(hostile.as_upload())

    assert clean.content_type == hostile.stored_type
    assert clean.display_name == hostile.display_name
    if hostile.forbidden_in_stored is not None:
        assert hostile.forbidden_in_stored in hostile.content
        assert hostile.forbidden_in_stored not in clean.data
    assert clean.size == len(clean.data)
    assert clean.sha256 == hashlib.sha256(clean.data).hexdigest()


@pytest.mark.parametrize(
    ("name", "content", "claimed_type", "expected_type", "expected_name"),
    [
        ("appeal.pdf", pdf_bytes(), "text/html", "application/pdf", "appeal.pdf"),
        ("screenshot.png", png_bytes(), "application/octet-stream", "image/png", "screenshot.png"),
        ("photo.JPEG", jpeg_bytes(), "image/png", "image/jpeg", "photo.jpg"),
        ("letter.txt", text_bytes(), "application/pdf", "text/plain", "letter.txt"),
        ("letter.txt", b"\xef\xbb\xbf" + text_bytes(), "text/html", "text/plain", "letter.txt"),
        ("scan.pdf", png_bytes(), "application/pdf", "image/png", "scan.png"),
        (
            "Счёт №5 (март).pdf",
            pdf_bytes(),
            "application/pdf",
            "application/pdf",
            "Счёт №5 (март).pdf",
        ),
        (
            "forwarded email.txt",
            b"From: Client <client@example.test>\nTo: amara@example.test\n"
            b"Subject: delivery\n\nReceived the files, thanks.\n",
            "message/rfc822",
            "text/plain",
            "forwarded email.txt",
        ),
        (
            "payouts.csv",
            b"date,amount,client\n2025-01-03,120.00,ACME\n2025-01-09,80.00,Globex\n",
            "text/csv",
            "text/plain",
            "payouts.txt",
        ),
    ],
)
def test_allowed_file_is_recognised_by_content_not_by_name_or_browser_type(
    name: str, content: bytes, claimed_type: str, expected_type: str, expected_name: str
):
    clean = validate_upload(SimpleUploadedFile(name, content, content_type=claimed_type))

    assert clean.content_type == expected_type
    assert clean.display_name == expected_name
    assert clean.size == len(clean.data)
    assert clean.sha256 == hashlib.sha256(clean.data).hexdigest()


def test_text_is_stored_byte_for_byte():
    content = text_bytes()
    assert validate_upload(SimpleUploadedFile("a.txt", content)).data == content


TAIL = b"<html><body><script>alert(document.cookie)</script></body></html>\n"


@pytest.mark.parametrize("tail", [TAIL, b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + TAIL])
def test_a_pdf_is_rewritten_and_nothing_after_its_eof_survives(tail):
    original = pdf_bytes()
    sent = original + tail

    clean = validate_upload(SimpleUploadedFile("invoice.pdf", sent))

    assert clean.content_type == "application/pdf"
    assert b"<script" not in clean.data
    assert b"<html" not in clean.data
    assert clean.data.rstrip().endswith(b"%%EOF")
    assert clean.data.count(b"%%EOF") == 1
    assert clean.sha256 == hashlib.sha256(clean.data).hexdigest()
    # Still the same document: same pages, same text.
    rewritten = pypdf.PdfReader(io.BytesIO(clean.data))
    assert len(rewritten.pages) == len(pypdf.PdfReader(io.BytesIO(original)).pages)


def test_a_pdf_that_pypdf_cannot_parse_is_refused_with_a_clear_message():
    broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\n%%EOF\n"
    with pytest.raises(UploadRejected) as refused:
        validate_upload(SimpleUploadedFile("broken.pdf", broken))
    assert refused.value.code == "unreadable"
    assert refused.value.messages == [
        "“broken.pdf” looks like a PDF but could not be read; it may be damaged."
    ]


def test_pdf_with_a_page_open_action_and_a_web_link_is_accepted():
    # Office suites write an /OpenAction that only shows page 1; links to websites are ordinary.
    content = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>",
        PAGES,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>",
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 200 200]"
        b" /A << /S /URI /URI (https://example.test/contract) >> >>",
    )

    assert validate_upload(SimpleUploadedFile("contract.pdf", content)).content_type == (
        "application/pdf"
    )


def test_reencoded_jpeg_keeps_its_pixels_and_loses_its_metadata():
    exif = Image.Exif()
    exif[0x010E] = SCRIPT.decode()
    original = jpeg_bytes((40, 30), exif=exif.tobytes(), comment=b"camera serial 1234")

    clean = validate_upload(SimpleUploadedFile("photo.jpg", original))

    with Image.open(io.BytesIO(clean.data)) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (40, 30)
        assert not stored.getexif()
        assert "comment" not in stored.info
        assert "icc_profile" not in stored.info


def test_jpeg_rotated_by_exif_is_stored_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    clean = validate_upload(SimpleUploadedFile("photo.jpg", jpeg_bytes((40, 30), exif=exif)))

    with Image.open(io.BytesIO(clean.data)) as stored:
        assert stored.size == (30, 40)


@pytest.mark.parametrize(
    "original",
    [palette_png_with_transparency(), png_bytes(mode="RGBA")],
    ids=["palette with a transparent index", "half-transparent rgba"],
)
def test_png_transparency_survives_reencoding(original: bytes):
    clean = validate_upload(SimpleUploadedFile("logo.png", original))

    with Image.open(io.BytesIO(original)) as sent, Image.open(io.BytesIO(clean.data)) as stored:
        assert stored.mode == sent.mode
        assert stored.convert("RGBA").tobytes() == sent.convert("RGBA").tobytes()


def test_a_file_of_exactly_the_size_limit_is_accepted():
    clean = validate_upload(SimpleUploadedFile("log.txt", b"a" * MAX_BYTES))

    assert clean.size == MAX_BYTES == 10_485_760


def test_size_is_enforced_while_reading_even_when_the_declared_size_lies():
    content = io.BytesIO(b"a" * (MAX_BYTES + 1))
    upload = InMemoryUploadedFile(content, "attachments", "log.txt", "text/plain", 10, None)

    with pytest.raises(UploadRejected) as refused:
        validate_upload(upload)

    assert refused.value.code == "too_large"
    assert refused.value.messages == ["“log.txt” is larger than the 10 MB limit."]


def test_rejection_message_shows_the_sanitised_name():
    upload = SimpleUploadedFile('evil\u202e\r\n"gnp.png', b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

    with pytest.raises(UploadRejected) as refused:
        validate_upload(upload)

    assert refused.value.messages == [
        "“evilgnp.png” is not a PDF, PNG, JPEG or plain-text file, so it cannot be attached."
    ]


def test_pdf_with_more_objects_than_the_walk_allows_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PDF_OBJECTS", 2)

    with pytest.raises(UploadRejected) as refused:
        validate_upload(SimpleUploadedFile("big.pdf", raw_pdf_with_catalog_entries(b"")))

    assert refused.value.code == "pdf_too_complex"


def test_a_sixth_file_in_one_submission_is_refused():
    files = [SimpleUploadedFile(f"note {n}.txt", text_bytes()) for n in range(MAX_FILES + 1)]

    with pytest.raises(UploadRejected) as refused:
        validate_uploads(files)

    assert refused.value.code == "too_many_files"
    assert refused.value.messages == ["You can attach at most 5 files; you chose 6."]


def test_five_files_in_one_submission_are_all_validated_in_order():
    files = [
        SimpleUploadedFile("a.pdf", pdf_bytes()),
        SimpleUploadedFile("b.png", png_bytes()),
        SimpleUploadedFile("c.jpg", jpeg_bytes()),
        SimpleUploadedFile("d.txt", text_bytes()),
        SimpleUploadedFile("e.txt", text_bytes()),
    ]

    clean = validate_uploads(files)

    assert [upload.display_name for upload in clean] == [
        "a.pdf",
        "b.png",
        "c.jpg",
        "d.txt",
        "e.txt",
    ]


def test_every_refused_file_in_a_submission_is_reported_at_once():
    files = [
        SimpleUploadedFile("fine.txt", text_bytes()),
        SimpleUploadedFile("page.pdf", b"<html>" + SCRIPT),
        SimpleUploadedFile("empty.txt", b""),
    ]

    with pytest.raises(UploadRejected) as refused:
        validate_uploads(files)

    assert [error.code for error in refused.value.error_list] == ["type_not_allowed", "empty"]
    assert refused.value.messages == [
        "“page.pdf” is not a PDF, PNG, JPEG or plain-text file, so it cannot be attached.",
        "“empty.txt” is empty.",
    ]


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("../../etc/passwd", "text/plain", "passwd.txt"),
        ("/etc/passwd", "text/plain", "passwd.txt"),
        ("C:\\Windows\\System32\\calc.exe", "application/pdf", "calc.pdf"),
        ("..\\..\\..\\boot.ini", "text/plain", "boot.txt"),
        ("report\x00.exe", "application/pdf", "report.pdf"),
        ("invoice.pdf.exe", "application/pdf", "invoice.pdf"),
        ("x.png.exe", "application/pdf", "x.png.pdf"),
        ("the \"final\" 'one'.pdf", "application/pdf", "the final one.pdf"),
        ("line\r\nbreak\ttab.txt", "text/plain", "linebreaktab.txt"),
        ("invoice\u202efdp.exe", "application/pdf", "invoicefdp.pdf"),
        ("\u2066a\u2069b\u200e\u200fc\u202a\u202b\u202c\u202d.png", "image/png", "abc.png"),
        ("zero\u200bwidth\ufeff.txt", "text/plain", "zerowidth.txt"),
        ("<img src=x>|?*:.png", "image/png", "img src=x.png"),
        (".htaccess", "text/plain", "attachment.txt"),
        ("...", "image/png", "attachment.png"),
        ("....pdf", "application/pdf", "attachment.pdf"),
        ("", "image/jpeg", "attachment.jpg"),
        ("dir/", "text/plain", "attachment.txt"),
        ("notes . . .txt", "text/plain", "notes.txt"),
        ("Mr. Smith letter", "text/plain", "Mr. Smith letter.txt"),
        ("  spaced\u00a0\u3000out  .png", "image/png", "spaced out.png"),
        ("re\u0301sume\u0301.pdf", "application/pdf", "r\u00e9sum\u00e9.pdf"),
        ("a" * 300 + ".pdf", "application/pdf", "a" * 96 + ".pdf"),
    ],
)
def test_display_name_is_sanitised(name: str, content_type: str, expected: str):
    assert safe_display_name(name, content_type) == expected


@settings(max_examples=300, deadline=None)
@given(name=st.text(), content_type=st.sampled_from(sorted(ALLOWED_TYPES)))
def test_any_display_name_is_short_flat_visible_and_ends_in_the_detected_extension(
    name: str, content_type: str
):
    shown = safe_display_name(name, content_type)

    assert shown.endswith(ALLOWED_TYPES[content_type])
    assert len(shown) <= MAX_NAME_CHARS
    assert not shown.startswith((".", " "))
    assert not set(shown) & set("/\\\"'`<>:|?*")
    assert all(unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Zl", "Zp"} for char in shown)
    assert unicodedata.is_normalized("NFC", shown)
    assert safe_display_name(shown, content_type) == shown
