"""The watermark's words and where they go, for every path that draws it.

A policy can ask for the operator's name and the time over the video on every tile, so that a
photograph of the screen shows who was watching and when; exports always carry it. Both paths
take their words from `watermark_lines`, so a frame on screen and a frame in an export say the
same thing in the same form. Geometry (`watermark_positions`) is plain arithmetic in pixels:
the views and the export's encoder draw the text themselves. No Qt.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from console.base.safe_text import clean_text

MAX_NAME_CHARS = 64
# Between two copies of the text, as a share of the text's own size.
GAP_X = 1.0
GAP_Y = 1.5
# Too many copies cost paint time and say nothing more.
MAX_COPIES = 64


def watermark_time(now: datetime) -> str:
    """`now` as "2026-12-07 23:55:12 UTC" (or "UTC+01:00"): to the second, with its offset, so a
    photograph cannot be read in another time zone. A naive `now` is taken as UTC."""
    offset = now.utcoffset() if now.tzinfo is not None else timedelta(0)
    offset = offset or timedelta(0)
    zone = "UTC"
    if offset:
        sign = "+" if offset >= timedelta(0) else "-"
        minutes = abs(int(offset.total_seconds())) // 60
        zone = f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return f"{now:%Y-%m-%d %H:%M:%S} {zone}"


def watermark_lines(operator: str | None, console: str, now: datetime) -> tuple[str, ...]:
    """The watermark's lines: the operator's name (or "operator unknown"), then the console's
    name and the time. Names come from hubs and settings: cleaned and cut."""
    who = clean_text(operator or "", MAX_NAME_CHARS) or "operator unknown"
    where = clean_text(console or "", MAX_NAME_CHARS)
    when = watermark_time(now)
    return (who, f"{where} · {when}" if where else when)


def watermark_text(operator: str | None, now: datetime, console: str = "") -> str:
    """The watermark as one line ("ana · wall-pc-2 · 2026-12-07 23:55:12 UTC")."""
    return " · ".join(watermark_lines(operator, console, now))


def watermark_positions(
    width: int, height: int, text_width: int, text_height: int
) -> list[tuple[int, int]]:
    """Where the copies of a text block of `text_width` x `text_height` go over a picture of
    `width` x `height` (top-left corners, relative to the picture): rows spaced down the
    picture, every other row shifted by half a step, so any part of the picture a photograph
    crops to still holds one whole copy where there is room for one. A picture smaller than
    the text gets one copy in its top-left corner; at most MAX_COPIES."""
    if width <= 0 or height <= 0 or text_width <= 0 or text_height <= 0:
        return []
    step_x = max(1, round(text_width * (1 + GAP_X)))
    step_y = max(1, round(text_height * (1 + GAP_Y)))
    margin = round(text_width * GAP_X / 4)
    found: list[tuple[int, int]] = []
    row = 0
    y = round(text_height * GAP_Y / 2)
    while y + text_height <= height and len(found) < MAX_COPIES:
        x = margin + (step_x // 2 if row % 2 else 0)
        if row % 2 and x + text_width > width:
            x = max(0, width - text_width - margin)  # a narrow picture: the other side
        while x + text_width <= width and len(found) < MAX_COPIES:
            found.append((x, y))
            x += step_x
        y += step_y
        row += 1
    return found or [(0, 0)]
