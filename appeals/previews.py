"""First pages of PDF attachments as PNG images, drawn with PDFium (pypdfium2)."""

from __future__ import annotations

import io


def first_page_png(pdf: bytes, *, width: int) -> bytes | None:
    """The first page scaled to `width` pixels, or None when PDFium cannot draw it (the
    upload check already parsed the file, so this is only a safety net)."""
    import pypdfium2 as pdfium  # loaded when a preview is first drawn, not at start-up

    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError:
        return None
    try:
        if len(document) == 0:
            return None
        page = document[0]
        scale = min(width / max(page.get_width(), 1), 4.0)
        image = page.render(scale=scale).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        document.close()
