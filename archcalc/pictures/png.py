"""A minimal PNG encoder (8-bit RGB, no filtering) for the ERF heatmap: a few lines of the
PNG specification (ISO/IEC 15948: signature, IHDR, one zlib IDAT, IEND, each chunk with its
CRC-32), so the pictures need neither NumPy nor an imaging library."""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_rgb(pixels: list[list[tuple[int, int, int]]]) -> bytes:
    """An RGB image, rows top to bottom, as PNG bytes."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + \
        _chunk(b"IEND", b"")
