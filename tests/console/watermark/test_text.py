"""The watermark's words (the same on screen and in exports) and where its copies go."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from console.watermark.text import (
    MAX_COPIES,
    watermark_lines,
    watermark_positions,
    watermark_text,
    watermark_time,
)

NOW = datetime(2026, 12, 7, 23, 55, 12, tzinfo=timezone.utc)


def test_the_lines_name_the_operator_the_console_and_the_time_to_the_second():
    assert watermark_lines("ana", "wall-pc-2", NOW) == (
        "ana",
        "wall-pc-2 · 2026-12-07 23:55:12 UTC",
    )
    assert watermark_text("ana", NOW) == "ana · 2026-12-07 23:55:12 UTC"
    assert "ana" in watermark_text("ana", NOW, "wall-pc-2")


def test_the_time_carries_its_offset():
    local = NOW.astimezone(timezone(timedelta(hours=1)))
    assert watermark_time(local) == "2026-12-08 00:55:12 UTC+01:00"
    assert watermark_time(NOW.astimezone(timezone(-timedelta(hours=5, minutes=30)))).endswith(
        "UTC-05:30"
    )
    assert watermark_time(NOW.replace(tzinfo=None)).endswith(" UTC")


def test_no_operator_is_said_and_hostile_names_are_cleaned_and_cut():
    assert watermark_lines(None, "", NOW)[0] == "operator unknown"
    who = watermark_lines("eve\u202e\n" + "x" * 500, "", NOW)[0]
    assert "\u202e" not in who and "\n" not in who and len(who) <= 64


@pytest.mark.parametrize(("width", "height"), [(640, 360), (1920, 1080), (160, 90)])
def test_copies_lie_whole_inside_the_picture(width, height):
    spots = watermark_positions(width, height, 150, 30)
    assert 1 <= len(spots) <= MAX_COPIES
    if width >= 150:
        assert all(x >= 0 and x + 150 <= width and y >= 0 and y + 30 <= height for x, y in spots)


def test_a_large_picture_gets_several_staggered_copies_and_nothing_is_drawn_on_nothing():
    spots = watermark_positions(1280, 720, 200, 36)
    assert len(spots) >= 6 and len({x for x, _ in spots}) > len(spots) // len({y for _, y in spots})
    assert watermark_positions(0, 720, 200, 36) == []
    assert watermark_positions(1280, 720, 0, 36) == []
    assert watermark_positions(10, 10, 200, 36) == [(0, 0)]
