"""A machine-readable wall-clock time code painted into video pictures.

The demo hub stamps every frame it renders with the Unix time in milliseconds; the console reads
it back from the pixels it actually painted, which measures glass-to-glass latency (render,
encode, network, decode, paint) without trusting any timestamp in the stream.

The code is a grid of 16 x 4 black/white blocks in the bottom-right corner: 8 start-pattern bits,
48 bits of Unix milliseconds (most significant first), and a CRC-8 over those 6 bytes. Its
geometry is a pure proportion of the picture width (a block is width/80), so it survives any
uniform scaling, and the blocks are big enough to survive H.264 compression and 4:2:0 chroma.
Reading only looks at luminance, so the pixel order (BGR, RGB, BGRX from libvlc's RV32) does
not matter.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["BLOCKS_PER_WIDTH", "COLS", "MIN_READABLE_WIDTH", "ROWS", "read", "region", "stamp"]

BLOCKS_PER_WIDTH = 80
COLS = 16
ROWS = 4
_START = (1, 0, 1, 1, 0, 0, 1, 0)
_DATA_BITS = 48
_CRC_BITS = 8
_MAX_MS = (1 << _DATA_BITS) - 1
# Below this width a block is under 2 pixels: too small to read back reliably.
MIN_READABLE_WIDTH = 160
# Cells sampled per block when reading: the region is resampled to SAMPLE x SAMPLE per block and
# only the inner part of each block is used, away from edges blurred by scaling or compression.
_SAMPLE = 4


def _crc8(data: bytes) -> int:
    """CRC-8 (polynomial 0x07, initial value 0)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _bits(unix_ms: int) -> list[int]:
    payload = unix_ms.to_bytes(6, "big")
    value = (unix_ms << _CRC_BITS) | _crc8(payload)
    body = [(value >> (_DATA_BITS + _CRC_BITS - 1 - i)) & 1 for i in range(_DATA_BITS + _CRC_BITS)]
    return [*_START, *body]


def region(width: int, height: int) -> tuple[int, int, int, int]:
    """The code's rectangle `(x0, y0, x1, y1)` in a picture of this size (blocks only).

    One block of margin is kept to the right and bottom edges; scenes keep their own text out of
    the slightly larger quiet zone (`x0 - block`, `y0 - block`).
    """
    block = width / BLOCKS_PER_WIDTH
    x0 = round(width - (COLS + 1) * block)
    y0 = round(height - (ROWS + 1) * block)
    x1 = round(width - block)
    y1 = round(height - block)
    return x0, y0, x1, y1


def stamp(frame_bgr: npt.NDArray[np.uint8], unix_ms: int) -> None:
    """Draw the code for `unix_ms` into the bottom-right corner of `frame_bgr` (in place).

    Works on any 3- or 4-channel (or single-channel) uint8 picture at least 160 px wide.
    """
    if not 0 <= unix_ms <= _MAX_MS:
        raise ValueError(f"unix_ms out of range: {unix_ms}")
    height, width = frame_bgr.shape[:2]
    block = width / BLOCKS_PER_WIDTH
    # Quiet zone: half a block of black around the blocks so the scene never bleeds into them.
    qx0 = max(0, round(width - (COLS + 1.5) * block))
    qy0 = max(0, round(height - (ROWS + 1.5) * block))
    qx1 = round(width - 0.5 * block)
    qy1 = round(height - 0.5 * block)
    frame_bgr[qy0:qy1, qx0:qx1] = 0
    bits = _bits(unix_ms)
    for index, bit in enumerate(bits):
        if not bit:
            continue
        row, col = divmod(index, COLS)
        x0 = round(width - (COLS + 1 - col) * block)
        x1 = round(width - (COLS - col) * block)
        y0 = round(height - (ROWS + 1 - row) * block)
        y1 = round(height - (ROWS - row) * block)
        frame_bgr[y0:y1, x0:x1] = 255


def read(image: npt.NDArray[np.uint8], *, fmt: str = "bgr") -> int | None:  # noqa: PLR0911 (older than the rule; split when next changed)
    """Decode the time code from a picture; None when there is none or it does not check out.

    `image` is an H x W x 3 (`fmt="bgr"` or "rgb") or H x W x 4 (`fmt="rgbx"`, e.g. libvlc RV32)
    uint8 array, or a single-channel H x W array; it may be a scaled and compressed copy of the
    stamped picture (same aspect ratio).
    """
    if fmt not in ("bgr", "rgb", "rgbx", "bgrx", "gray"):
        raise ValueError(f"unknown pixel format: {fmt!r}")
    if image.ndim not in (2, 3):
        return None
    height, width = image.shape[:2]
    if width < MIN_READABLE_WIDTH or height < 40:
        return None
    x0, y0, x1, y1 = region(width, height)
    if x1 <= x0 or y1 <= y0:
        return None
    patch = image[y0:y1, x0:x1]
    if patch.ndim == 3:
        # Luminance is enough: the code is black and white, so any channel order works.
        patch = patch[:, :, :3].mean(axis=2, dtype=np.float32)
    else:
        patch = patch.astype(np.float32)
    cells = cv2.resize(patch, (COLS * _SAMPLE, ROWS * _SAMPLE), interpolation=cv2.INTER_AREA)
    inner = cells.reshape(ROWS, _SAMPLE, COLS, _SAMPLE)[:, 1:-1, :, 1:-1].mean(axis=(1, 3))
    levels = inner.reshape(-1)
    start = np.array(_START, dtype=bool)
    head = levels[: len(_START)]
    white = float(head[start].mean())
    black = float(head[~start].mean())
    if white - black < 64.0:
        return None
    threshold = (white + black) / 2.0
    bits = levels > threshold
    if not np.array_equal(bits[: len(_START)], start):
        return None
    value = 0
    for bit in bits[len(_START) :]:
        value = (value << 1) | int(bit)
    unix_ms = value >> _CRC_BITS
    if _crc8(unix_ms.to_bytes(6, "big")) != value & 0xFF:
        return None
    return unix_ms
