"""Real, tiny label files: a one-page 4x6 in PDF and a PNG with a bar pattern, both valid to any viewer.

Generated rather than stored so each label shows its own tracking number.
"""

from __future__ import annotations

import struct
import zlib

_POINTS_PER_INCH = 72


def label_pdf(lines: list[str]) -> bytes:
    """A 4x6 in PDF page with `lines` of Helvetica text, top to bottom."""
    text = "".join(f"({_pdf_escape(line)}) Tj 0 -24 Td " for line in lines)
    stream = f"BT /F1 14 Tf 24 {6 * _POINTS_PER_INCH - 48} Td {text}ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {4 * _POINTS_PER_INCH} {6 * _POINTS_PER_INCH}] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(out)


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def label_png(code: str, width: int = 400, height: int = 600) -> bytes:
    """A white 8-bit grayscale PNG with a black bar pattern derived from `code` across its middle."""
    bars = [ord(ch) % 2 == 0 for ch in code * (width // max(len(code), 1) + 1)][:width]
    barcode_row = bytes(0 if black else 255 for black in bars)
    blank_row = bytes([255]) * width
    rows = [barcode_row if height // 3 <= y < 2 * height // 3 else blank_row for y in range(height)]
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every scanline
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
