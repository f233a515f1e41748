"""Small but real attachment files: a one-page PDF, a DOCX package, RTF ``.doc``, HTML ``.xls``.

Every function is deterministic (no timestamps), so the same document always yields the same
bytes. The PDF carries its text in a Helvetica text object (ASCII lines) and the Chinese title in
the document information dictionary as UTF-16BE; the DOCX is a minimal WordprocessingML package
that Word, LibreOffice and python-docx open. Many real bureau sites serve ``.doc`` files that are
RTF and ``.xls`` files that are HTML tables; the demo does the same instead of faking OLE files.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _pdf_literal(text: str) -> str:
    """``text`` as a PDF literal string: ASCII only, with ``\\``, ``(`` and ``)`` escaped."""
    ascii_text = text.encode("ascii", "replace").decode("ascii")
    return "(" + ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _pdf_text_string(text: str) -> str:
    """``text`` as a PDF hex text string in UTF-16BE with a byte-order mark (any script)."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    """A valid one-page PDF whose page shows ``lines`` (ASCII) and whose /Title is ``title``."""
    ops = ["BT", "/F1 12 Tf", "14 TL", "72 770 Td"]
    for line in lines[:40]:
        ops.append(f"{_pdf_literal(line[:90])} Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        ("<< /Title " + _pdf_text_string(title[:200]) + " /Producer (demo province) >>").encode("ascii"),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


_DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/>'
    "</Relationships>"
)


def docx_bytes(title: str, lines: list[str]) -> bytes:
    """A minimal valid DOCX: ``title`` as the first paragraph, then one paragraph per line."""
    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'
        for text in [title, *lines]
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paragraphs}<w:sectPr/></w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in (
            ("[Content_Types].xml", _DOCX_CONTENT_TYPES),
            ("_rels/.rels", _DOCX_RELS),
            ("word/document.xml", document),
        ):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return out.getvalue()


def rtf_bytes(title: str, lines: list[str]) -> bytes:
    """An RTF document (served as ``.doc``) with CJK text as ``\\uN?`` escapes."""

    def rtf_text(text: str) -> str:
        parts = []
        for char in text:
            code = ord(char)
            if char in "\\{}":
                parts.append("\\" + char)
            elif code < 128:
                parts.append(char)
            else:
                parts.append(f"\\u{code if code < 32768 else code - 65536}?")
        return "".join(parts)

    body = "\\par\n".join(rtf_text(text) for text in [title, *lines])
    return ("{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0 SimSun;}}\\f0\\fs24\n" + body + "\\par\n}").encode(
        "ascii"
    )


def xls_bytes(title: str, lines: list[str]) -> bytes:
    """An HTML table served as ``.xls`` (as many CMS exports are), UTF-8 with a BOM."""
    rows = "".join(f"<tr><td>{index}</td><td>{escape(text)}</td></tr>" for index, text in enumerate(lines, 1))
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>'
        f"<table border=\"1\"><tr><th colspan=\"2\">{escape(title)}</th></tr>{rows}</table></body></html>"
    )
    return b"\xef\xbb\xbf" + html.encode("utf-8")


def attachment_bytes(ext: str, title: str, lines: list[str]) -> bytes:
    """The bytes of an attachment of type ``ext`` (pdf, docx, doc, xls); ValueError otherwise."""
    if ext == "pdf":
        return pdf_bytes(title, lines)
    if ext == "docx":
        return docx_bytes(title, lines)
    if ext == "doc":
        return rtf_bytes(title, lines)
    if ext == "xls":
        return xls_bytes(title, lines)
    raise ValueError(f"unknown attachment type {ext!r}: expected one of {', '.join(CONTENT_TYPES)}")
