"""Synthetic camera scenes for the demo hub: cheap, deterministic, clearly different pictures.

Each scene is a class with `render(t, width, height)` returning a BGR uint8 picture for Unix time
`t` (seconds, float) and `objects(t, width, height)` returning where its moving objects are drawn
as `(label, x, y, w, h)` pixel boxes. Everything that moves is a pure function of `t`, so two
renders of the same instant are identical (recordings and tests rely on it).

The static part of a scene (layout, palette, camera name) is drawn once per resolution and
copied each frame; per frame only a few shapes, the wall-clock time and the machine-readable
time code (`console.base.timecode`) are drawn.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from console.base import timecode
from demohub.ptz import Position, PtzHead

__all__ = ["SCENES", "Box", "HarbourPtzScene", "Scene", "Sprite", "scene_for"]

Image = npt.NDArray[np.uint8]
Color = tuple[int, int, int]
Box = tuple[str, int, int, int, int]

_FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True)
class Sprite:
    """A moving object in normalized picture coordinates (0..1 of width and height)."""

    label: str
    kind: str
    x: float
    y: float
    w: float
    h: float
    color: Color
    phase: float = 0.0


def _saw(t: float, period: float, offset: float = 0.0) -> float:
    """0 -> 1 ramp repeating every `period` seconds."""
    return ((t + offset) % period) / period


def _pingpong(t: float, period: float, offset: float = 0.0) -> float:
    """0 -> 1 -> 0 repeating every `period` seconds."""
    s = _saw(t, period, offset)
    return 2 * s if s < 0.5 else 2 - 2 * s


def _rect(img: Image, x0: float, y0: float, x1: float, y1: float, color: Color) -> None:
    h, w = img.shape[:2]
    cv2.rectangle(
        img, (round(x0 * w), round(y0 * h)), (round(x1 * w) - 1, round(y1 * h) - 1), color, -1
    )


def _text(
    img: Image, text: str, x: float, y: float, color: Color, *, size_per: int, stroke_per: int
) -> None:
    """Sign text at a relative position; size and stroke scale with the picture's width."""
    w = img.shape[1]
    org = (round(x * w), round(y * img.shape[0]))
    cv2.putText(img, text, org, _FONT, w / size_per, color, max(1, w // stroke_per))


def _line(
    img: Image, x0: float, y0: float, x1: float, y1: float, color: Color, thick: float = 0.004
) -> None:
    h, w = img.shape[:2]
    cv2.line(
        img,
        (round(x0 * w), round(y0 * h)),
        (round(x1 * w), round(y1 * h)),
        color,
        max(1, round(thick * w)),
        cv2.LINE_AA,
    )


def _poly(img: Image, points: list[tuple[float, float]], color: Color) -> None:
    h, w = img.shape[:2]
    pts = np.array([[round(x * w), round(y * h)] for x, y in points], dtype=np.int32)
    cv2.fillPoly(img, [pts], color, cv2.LINE_AA)


def _gradient(img: Image, y0: float, y1: float, top: Color, bottom: Color) -> None:
    h = img.shape[0]
    a, b = round(y0 * h), round(y1 * h)
    if b <= a:
        return
    ramp = np.linspace(0.0, 1.0, b - a, dtype=np.float32)[:, None, None]
    colors = (1 - ramp) * np.array(top, np.float32) + ramp * np.array(bottom, np.float32)
    img[a:b] = colors.astype(np.uint8)


class Scene:
    """Base class: a static background plus sprites; subclasses draw the layout and motion."""

    key = "scene"
    background: Color = (40, 40, 40)

    def __init__(self, title: str) -> None:
        self.title = title
        self._backgrounds: dict[tuple[int, int], Image] = {}

    # -- subclass hooks ---------------------------------------------------------------------
    def draw_layout(self, img: Image) -> None:
        """Draw the static layout on a picture already filled with `background`."""

    def sprites(self, t: float) -> list[Sprite]:
        """The moving objects at time `t`, in normalized coordinates, back to front."""
        return []

    # -- public API ---------------------------------------------------------------------------
    def objects(self, t: float, width: int, height: int) -> list[Box]:
        """Pixel boxes `(label, x, y, w, h)` of the moving objects as `render` draws them."""
        return [(s.label, *self._pixels(s, width, height)) for s in self.sprites(t)]

    def render(self, t: float, width: int, height: int) -> Image:
        """The picture at Unix time `t` (seconds) as a new height x width x 3 BGR uint8 array."""
        img = self._background(width, height).copy()
        for sprite in self.sprites(t):
            self._draw_sprite(img, sprite, self._pixels(sprite, width, height))
        self._draw_clock(img, t)
        timecode.stamp(img, round(t * 1000))
        return img

    # -- internals ----------------------------------------------------------------------------
    @staticmethod
    def _pixels(s: Sprite, width: int, height: int) -> tuple[int, int, int, int]:
        x, y = round(s.x * width), round(s.y * height)
        return x, y, max(1, round(s.w * width)), max(1, round(s.h * height))

    def _background(self, width: int, height: int) -> Image:
        bg = self._backgrounds.get((width, height))
        if bg is None:
            bg = np.empty((height, width, 3), np.uint8)
            bg[:] = self.background
            self.draw_layout(bg)
            self._draw_title(bg)
            bg.setflags(write=False)
            self._backgrounds[(width, height)] = bg
        return bg

    @staticmethod
    def _text_scale(width: int) -> tuple[float, int]:
        return width / 1280 * 0.8, max(1, round(width / 640))

    def _draw_title(self, img: Image) -> None:
        w = img.shape[1]
        scale, thick = self._text_scale(w)
        (tw, th), base = cv2.getTextSize(self.title, _FONT, scale, thick)
        pad = max(2, round(w * 0.006))
        cv2.rectangle(img, (0, 0), (tw + 3 * pad, th + base + 2 * pad), (20, 20, 20), -1)
        cv2.putText(img, self.title, (pad, th + pad), _FONT, scale, (255, 255, 255), thick)
        # Room for the clock, drawn each frame.
        (cw, ch), cbase = cv2.getTextSize("0000-00-00 00:00:00.000 UTC", _FONT, scale, thick)
        top = th + base + 2 * pad
        cv2.rectangle(img, (0, top), (cw + 3 * pad, top + ch + cbase + 2 * pad), (20, 20, 20), -1)

    def _draw_clock(self, img: Image, t: float) -> None:
        w = img.shape[1]
        scale, thick = self._text_scale(w)
        (_, th), base = cv2.getTextSize(self.title, _FONT, scale, thick)
        pad = max(2, round(w * 0.006))
        ms = math.floor(t * 1000) % 1000
        text = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(math.floor(t))) + f".{ms:03d} UTC"
        (_, ch), _ = cv2.getTextSize(text, _FONT, scale, thick)
        top = th + base + 2 * pad
        cv2.putText(img, text, (pad, top + ch + pad), _FONT, scale, (120, 255, 255), thick)

    @staticmethod
    def _draw_sprite(img: Image, s: Sprite, box: tuple[int, int, int, int]) -> None:  # noqa: PLR0912, PLR0915 (older than the rule; split when next changed)
        x, y, w, h = box
        dark = (s.color[0] // 3, s.color[1] // 3, s.color[2] // 3)
        if s.kind == "person":
            head = max(1, min(w, h // 5) // 2)
            cx = x + w // 2
            cv2.circle(img, (cx, y + head), head, (150, 180, 220), -1, cv2.LINE_AA)
            cv2.rectangle(img, (x, y + 2 * head), (x + w - 1, y + int(h * 0.62)), s.color, -1)
            swing = math.sin(s.phase * 2 * math.pi) * w * 0.35
            hip = y + int(h * 0.62)
            lw = max(1, w // 4)
            cv2.line(img, (cx, hip), (int(cx - swing), y + h - 1), dark, lw, cv2.LINE_AA)
            cv2.line(img, (cx, hip), (int(cx + swing), y + h - 1), dark, lw, cv2.LINE_AA)
        elif s.kind in ("car", "van"):
            wheel = max(1, h // 5)
            cv2.rectangle(img, (x, y + h // 3), (x + w - 1, y + h - wheel), s.color, -1)
            cv2.rectangle(img, (x + w // 5, y), (x + w * 4 // 5, y + h // 3), s.color, -1)
            cv2.rectangle(
                img, (x + w // 4, y + h // 12), (x + w * 3 // 4, y + h // 3), (60, 50, 40), -1
            )
            for wx in (x + w // 5, x + w * 4 // 5):
                cv2.circle(img, (wx, y + h - wheel), wheel, (15, 15, 15), -1, cv2.LINE_AA)
        elif s.kind == "truck":
            wheel = max(1, h // 7)
            cv2.rectangle(img, (x, y), (x + w * 3 // 4, y + h - wheel), s.color, -1)
            cv2.rectangle(
                img, (x + w * 3 // 4 + 1, y + h // 3), (x + w - 1, y + h - wheel), dark, -1
            )
            for wx in (x + w // 6, x + w // 2, x + w * 7 // 8):
                cv2.circle(img, (wx, y + h - wheel), wheel, (15, 15, 15), -1, cv2.LINE_AA)
        elif s.kind == "train":
            cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), s.color, -1)
            step = max(4, h)
            for wx in range(x + step // 3, x + w - step // 2, step):
                cv2.rectangle(img, (wx, y + h // 5), (wx + step // 2, y + h // 2), (70, 60, 50), -1)
            cv2.rectangle(img, (x, y + h * 3 // 4), (x + w - 1, y + h * 4 // 5), dark, -1)
        elif s.kind == "forklift":
            cv2.rectangle(img, (x + w // 4, y + h // 3), (x + w - 1, y + h * 5 // 6), s.color, -1)
            cv2.rectangle(img, (x, y), (x + max(1, w // 12), y + h - 1), (40, 40, 40), -1)
            cv2.rectangle(img, (x, y + h * 5 // 6), (x + w // 4, y + h - 1), (40, 40, 40), -1)
            r = max(1, h // 8)
            for wx in (x + w * 2 // 5, x + w * 5 // 6):
                cv2.circle(img, (wx, y + h - r), r, (15, 15, 15), -1, cv2.LINE_AA)
        elif s.kind == "bird":
            cx, cy = x + w // 2, y + h // 2
            flap = int(math.sin(s.phase * 2 * math.pi) * h / 2)
            cv2.line(img, (x, cy - flap), (cx, cy), s.color, max(1, h // 4), cv2.LINE_AA)
            cv2.line(img, (cx, cy), (x + w - 1, cy - flap), s.color, max(1, h // 4), cv2.LINE_AA)
        elif s.kind == "light":
            cv2.circle(img, (x + w // 2, y + h // 2), max(1, w // 2), s.color, -1, cv2.LINE_AA)
        elif s.kind == "boat":  # a motor boat or ferry: hull, white cabin, a row of windows
            deck = y + h // 2
            hull = [
                (x, deck),
                (x + w - 1, deck),
                (x + w * 7 // 8, y + h - 1),
                (x + w // 8, y + h - 1),
            ]
            cv2.fillPoly(img, [np.array(hull, np.int32)], s.color, cv2.LINE_AA)
            cv2.rectangle(
                img, (x + w // 5, y + h // 8), (x + w * 3 // 4, deck), (235, 235, 235), -1
            )
            row = y + h // 4
            cv2.rectangle(
                img, (x + w // 4, row), (x + w * 7 // 10, row + max(1, h // 8)), (90, 70, 50), -1
            )
        elif s.kind == "sailboat":
            deck = y + h * 3 // 4
            hull = [
                (x, deck),
                (x + w - 1, deck),
                (x + w * 5 // 6, y + h - 1),
                (x + w // 6, y + h - 1),
            ]
            cv2.fillPoly(img, [np.array(hull, np.int32)], (60, 50, 40), cv2.LINE_AA)
            mast = x + w * 3 // 5
            sail = [(mast, y), (mast, deck - 1), (x + w // 8, deck - 1)]
            cv2.fillPoly(img, [np.array(sail, np.int32)], s.color, cv2.LINE_AA)
            cv2.line(img, (mast, y), (mast, deck), (50, 50, 50), max(1, w // 20))
        elif s.kind == "ship":  # a container ship: hull, coloured boxes, the bridge at the stern
            deck = y + h * 11 // 20
            cv2.rectangle(img, (x, deck), (x + w - 1, y + h - 1), s.color, -1)
            palette = ((40, 60, 190), (150, 90, 30), (40, 150, 60), (30, 140, 220))
            for k in range(6):
                bx = x + w * (5 + 12 * k) // 100
                cv2.rectangle(img, (bx, y + h // 4), (bx + w // 9, deck), palette[k % 4], -1)
            cv2.rectangle(img, (x + w * 4 // 5, y), (x + w * 9 // 10, deck), (235, 235, 235), -1)
        elif s.kind == "plane":  # seen from the side, flying right
            cy = y + h // 2
            cv2.line(img, (x, cy), (x + w - 1, cy), s.color, max(1, h // 3), cv2.LINE_AA)
            tail = [(x, cy), (x + w // 8, cy), (x, y)]
            cv2.fillPoly(img, [np.array(tail, np.int32)], s.color, cv2.LINE_AA)
            cv2.line(
                img, (x + w // 2, cy), (x + w * 2 // 5, y + h - 1), (150, 150, 160), max(1, h // 5)
            )
        else:
            cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), s.color, -1)


def _walker(
    label: str, t: float, x: float, y: float, h: float, color: Color, pace: float = 1.6
) -> Sprite:
    return Sprite(label, "person", x - h * 0.16, y - h, h * 0.32, h, color, _saw(t, 1 / pace))


class StreetScene(Scene):
    key = "street"
    background = (200, 170, 130)  # morning sky

    def draw_layout(self, img: Image) -> None:
        _gradient(img, 0.0, 0.42, (235, 200, 150), (200, 190, 180))
        for i, (x0, top, col) in enumerate(
            [
                (0.0, 0.12, (90, 100, 140)),
                (0.17, 0.2, (120, 120, 120)),
                (0.33, 0.08, (80, 90, 110)),
                (0.52, 0.16, (130, 110, 100)),
                (0.7, 0.1, (100, 80, 90)),
                (0.86, 0.22, (110, 130, 120)),
            ]
        ):
            _rect(img, x0, top, x0 + 0.16, 0.5, col)
            for wy in np.arange(top + 0.03, 0.46, 0.06):
                for wx in (0.02, 0.07, 0.12):
                    _rect(
                        img,
                        x0 + wx,
                        wy,
                        x0 + wx + 0.025,
                        wy + 0.03,
                        (170, 210, 230) if (i + int(wy * 50)) % 3 else (60, 60, 70),
                    )
        _rect(img, 0, 0.5, 1, 0.6, (150, 150, 155))  # far sidewalk
        _rect(img, 0, 0.6, 1, 0.88, (70, 70, 75))  # road
        for x in np.arange(0.0, 1.0, 0.1):
            _rect(img, x, 0.735, x + 0.05, 0.745, (230, 230, 230))
        _rect(img, 0, 0.88, 1, 1.0, (160, 160, 165))  # near sidewalk

    def sprites(self, t: float) -> list[Sprite]:
        cars = [
            Sprite("car", "car", -0.2 + 1.4 * _saw(t, 7.0), 0.6, 0.16, 0.12, (40, 40, 200)),
            Sprite("car", "car", -0.2 + 1.4 * _saw(t, 9.0, 4.0), 0.6, 0.15, 0.11, (200, 200, 200)),
            Sprite("car", "car", 1.2 - 1.4 * _saw(t, 6.0, 2.0), 0.74, 0.18, 0.13, (30, 160, 30)),
        ]
        people = [
            _walker("person", t, 0.05 + 0.9 * _saw(t, 20.0), 0.58, 0.12, (180, 60, 60)),
            _walker("person", t, 0.95 - 0.9 * _saw(t, 16.0, 5.0), 0.99, 0.2, (40, 120, 200)),
        ]
        return people[:1] + cars + people[1:]


class CarParkScene(Scene):
    key = "car_park"
    background = (85, 80, 75)

    def draw_layout(self, img: Image) -> None:
        _rect(img, 0, 0, 1, 0.18, (120, 110, 100))  # deck above
        for x in np.arange(0.05, 1.0, 0.3):
            _rect(img, x, 0.18, x + 0.04, 0.55, (150, 150, 150))  # pillars
        for x in np.arange(0.0, 1.05, 0.125):
            _line(img, x, 0.3, x, 0.5, (240, 240, 240))
            _line(img, x, 0.78, x, 1.0, (240, 240, 240))
        _line(img, 0, 0.5, 1, 0.5, (0, 200, 230), 0.003)
        parked = [
            (0.01, (50, 50, 160)),
            (0.26, (180, 180, 60)),
            (0.51, (90, 90, 90)),
            (0.76, (30, 90, 30)),
        ]
        for x, col in parked:
            cx, cy, cw, ch = x, 0.34, 0.1, 0.14
            _rect(img, cx, cy + ch / 3, cx + cw, cy + ch, col)
            _rect(img, cx + cw / 5, cy, cx + cw * 4 / 5, cy + ch / 3, col)
        for x, col in [(0.135, (140, 60, 140)), (0.635, (30, 30, 30)), (0.885, (200, 200, 210))]:
            _rect(img, x, 0.82, x + 0.1, 0.97, col)
        _rect(img, 0.0, 0.6, 1.0, 0.62, (0, 190, 240))
        _text(img, "P2", 0.9, 0.12, (255, 200, 0), size_per=640, stroke_per=320)

    def sprites(self, t: float) -> list[Sprite]:
        s = _saw(t, 12.0)
        return [
            Sprite("car", "car", 1.1 - 1.3 * s, 0.56, 0.17, 0.17, (20, 120, 230)),
            _walker("person", t, 0.1 + 0.8 * _pingpong(t, 18.0), 0.8, 0.18, (60, 200, 220), 1.2),
        ]


class EntranceScene(Scene):
    """A person walks in through the door at the back and towards the camera."""

    key = "entrance"
    background = (170, 200, 215)  # beige wall
    period = 10.0
    door = (0.43, 0.2, 0.57, 0.62)

    def draw_layout(self, img: Image) -> None:
        _rect(img, 0, 0.62, 1, 1, (110, 130, 150))  # floor
        _poly(img, [(0.43, 0.62), (0.57, 0.62), (0.72, 1.0), (0.28, 1.0)], (60, 60, 140))  # carpet
        x0, y0, x1, y1 = self.door
        _rect(img, x0 - 0.015, y0 - 0.03, x1 + 0.015, y1, (40, 60, 90))  # frame
        _rect(img, x0, y0, x1, y1, (30, 30, 35))  # doorway (dark)
        _rect(img, 0.1, 0.3, 0.25, 0.5, (200, 160, 90))  # notice board
        _rect(img, 0.75, 0.3, 0.9, 0.5, (90, 170, 90))
        _text(img, "ENTRANCE", 0.42, 0.16, (40, 40, 40), size_per=1280, stroke_per=640)

    def sprites(self, t: float) -> list[Sprite]:
        s = _saw(t, self.period)
        x0, y0, x1, y1 = self.door
        # 0.0-0.1: empty doorway; 0.1-0.2: the door opens; 0.2-0.9: walking in; then gone.
        sprites: list[Sprite] = []
        if s < 0.2:
            opening = max(0.0, (s - 0.1) / 0.1)
            sprites.append(
                Sprite(
                    "door", "panel", x0, y0, (x1 - x0) * (1 - 0.8 * opening), y1 - y0, (60, 90, 130)
                )
            )
        else:
            sprites.append(Sprite("door", "panel", x0, y0, (x1 - x0) * 0.2, y1 - y0, (60, 90, 130)))
        if 0.15 <= s < 0.9:
            p = (s - 0.15) / 0.75
            feet = y1 + (0.98 - y1) * p
            height = 0.32 + 0.6 * p
            sprites.append(_walker("person", t, 0.5 + 0.05 * p, feet, height, (150, 40, 40)))
        return sprites


class CorridorScene(Scene):
    key = "corridor"
    background = (200, 215, 200)

    def draw_layout(self, img: Image) -> None:
        _poly(img, [(0, 0), (0.38, 0.32), (0.38, 0.68), (0, 1)], (170, 190, 170))  # left wall
        _poly(img, [(1, 0), (0.62, 0.32), (0.62, 0.68), (1, 1)], (150, 175, 150))  # right wall
        _poly(img, [(0, 1), (0.38, 0.68), (0.62, 0.68), (1, 1)], (90, 110, 120))  # floor
        _poly(img, [(0, 0), (0.38, 0.32), (0.62, 0.32), (1, 0)], (225, 230, 225))  # ceiling
        _rect(img, 0.38, 0.32, 0.62, 0.68, (60, 80, 60))  # far end
        for d in (0.15, 0.4, 0.7):
            y = 0.32 * d
            _rect(
                img,
                0.5 - 0.12 * (1 - d) - 0.05,
                y,
                0.5 + 0.12 * (1 - d) + 0.05,
                y + 0.02,
                (255, 255, 255),
            )
        for d in (0.25, 0.6):
            x = 0.38 * d
            _poly(
                img,
                [
                    (x, 0.32 * d + 0.2),
                    (x + 0.06, 0.36 * d + 0.2),
                    (x + 0.06, 1 - 0.34 * d - 0.06),
                    (x, 1 - 0.32 * d - 0.05),
                ],
                (40, 70, 120),
            )

    def sprites(self, t: float) -> list[Sprite]:
        p = _pingpong(t, 16.0)
        depth = 0.15 + 0.85 * p  # 1 near, 0.15 far
        feet = 0.68 + 0.3 * depth
        return [
            _walker("person", t, 0.5 + 0.08 * depth, feet, 0.12 + 0.6 * depth, (40, 160, 40), 1.3)
        ]


class LoadingDockScene(Scene):
    key = "loading_dock"
    background = (110, 120, 130)

    def draw_layout(self, img: Image) -> None:
        _rect(img, 0, 0, 1, 0.55, (70, 110, 150))  # building wall (brown-ish)
        for x in (0.08, 0.38, 0.68):
            _rect(img, x, 0.12, x + 0.24, 0.5, (180, 180, 170))  # shutters
            for y in np.arange(0.14, 0.5, 0.03):
                _line(img, x, y, x + 0.24, y, (130, 130, 125), 0.002)
            _rect(img, x, 0.5, x + 0.24, 0.55, (20, 20, 20))  # bumper
        _rect(img, 0, 0.55, 1, 0.6, (0, 200, 240))  # yellow edge
        for x in np.arange(0, 1, 0.08):
            _rect(img, x, 0.55, x + 0.04, 0.6, (20, 20, 20))

    def sprites(self, t: float) -> list[Sprite]:
        p = _pingpong(t, 20.0)
        return [
            Sprite(
                "truck", "truck", 0.33, 0.95 - 0.55 * (0.3 + 0.7 * p), 0.34, 0.45, (230, 230, 230)
            ),
            Sprite(
                "forklift",
                "forklift",
                0.05 + 0.75 * _pingpong(t, 9.0),
                0.42,
                0.12,
                0.16,
                (0, 170, 240),
            ),
            _walker("person", t, 0.9 - 0.1 * _pingpong(t, 7.0), 0.6, 0.22, (0, 140, 255)),
        ]


class LobbyScene(Scene):
    key = "lobby"
    background = (210, 215, 225)

    def draw_layout(self, img: Image) -> None:
        _rect(img, 0, 0, 1, 0.45, (150, 120, 160))  # wall (mauve)
        for x in np.arange(0.0, 1.0, 0.1):
            for y in np.arange(0.45, 1.0, 0.11):
                shade = 200 if (round(x * 10) + round(y * 9)) % 2 else 230
                _rect(img, x, y, x + 0.1, y + 0.11, (shade, shade - 5, shade - 10))
        _rect(img, 0.55, 0.38, 0.92, 0.55, (40, 70, 110))  # desk
        _rect(img, 0.55, 0.36, 0.92, 0.38, (220, 220, 230))
        for x in (0.05, 0.45):
            _rect(img, x + 0.02, 0.36, x + 0.06, 0.46, (40, 60, 90))  # pot
            cv2.circle(
                img,
                (round((x + 0.04) * img.shape[1]), round(0.3 * img.shape[0])),
                round(0.05 * img.shape[1]),
                (40, 140, 40),
                -1,
            )
        _rect(img, 0.15, 0.1, 0.35, 0.3, (230, 220, 200))  # artwork
        _rect(img, 0.17, 0.12, 0.33, 0.28, (160, 90, 30))

    def sprites(self, t: float) -> list[Sprite]:
        return [
            _walker("person", t, 0.7, 0.5, 0.18, (30, 30, 30), 0.2),  # receptionist (swaying)
            _walker("person", t, 0.05 + 0.9 * _saw(t, 11.0), 0.75, 0.32, (60, 60, 200), 1.5),
            _walker("person", t, 0.95 - 0.9 * _saw(t, 14.0, 6.0), 0.95, 0.42, (200, 150, 40), 1.7),
        ]


class PerimeterScene(Scene):
    key = "perimeter"
    background = (60, 40, 30)  # dusk

    def draw_layout(self, img: Image) -> None:
        _gradient(img, 0.0, 0.4, (90, 50, 40), (120, 90, 110))
        _rect(img, 0, 0.4, 1, 1, (40, 90, 50))  # grass
        _poly(img, [(0.0, 1.0), (0.0, 0.85), (1.0, 0.55), (1.0, 0.62)], (100, 110, 115))  # path
        for x in np.arange(0.0, 1.01, 0.08):
            _line(img, x, 0.25, x, 0.62, (170, 170, 170), 0.006)  # posts
        for y in (0.3, 0.4, 0.5, 0.6):
            _line(img, 0, y, 1, y, (150, 150, 150), 0.002)
        for x in np.arange(0.0, 1.0, 0.02):
            _line(img, x, 0.3, x + 0.02, 0.6, (120, 120, 120), 0.001)
            _line(img, x + 0.02, 0.3, x, 0.6, (120, 120, 120), 0.001)

    def sprites(self, t: float) -> list[Sprite]:
        on = _saw(t, 1.0) < 0.5
        return [
            Sprite(
                "light", "light", 0.92, 0.2, 0.03, 0.053, (40, 220, 255) if on else (40, 60, 70)
            ),
            Sprite("car", "van", 1.1 - 1.3 * _saw(t, 25.0), 0.64, 0.14, 0.12, (240, 240, 240)),
            _walker("person", t, 0.1 + 0.8 * _pingpong(t, 30.0), 0.92, 0.26, (30, 200, 255)),
        ]


class RooftopScene(Scene):
    key = "rooftop"
    background = (235, 200, 160)

    def draw_layout(self, img: Image) -> None:
        _gradient(img, 0.0, 0.6, (250, 210, 150), (240, 230, 220))
        _rect(img, 0, 0.6, 1, 1, (120, 125, 130))  # roof surface
        for x, w in ((0.05, 0.2), (0.3, 0.15), (0.7, 0.22)):
            _rect(img, x, 0.45, x + w, 0.7, (180, 185, 190))  # HVAC units
            _line(img, x, 0.5, x + w, 0.5, (120, 120, 125))
            cv2.circle(
                img,
                (round((x + w / 2) * img.shape[1]), round(0.58 * img.shape[0])),
                round(w * 0.18 * img.shape[1]),
                (90, 90, 95),
                -1,
            )
        _line(img, 0.55, 0.15, 0.55, 0.62, (60, 60, 60), 0.005)  # antenna
        _line(img, 0.51, 0.25, 0.59, 0.25, (60, 60, 60), 0.003)
        _rect(img, 0, 0.9, 1, 0.92, (0, 200, 240))  # roof edge

    def sprites(self, t: float) -> list[Sprite]:
        on = _saw(t, 1.5) < 0.3
        birds = [
            Sprite(
                "bird",
                "bird",
                -0.1 + 1.2 * _saw(t, 8.0, k * 2.7),
                0.1 + 0.05 * k + 0.03 * math.sin(t + k),
                0.05,
                0.04,
                (40, 40, 40),
                _saw(t, 0.5, k * 0.1),
            )
            for k in range(3)
        ]
        return [
            Sprite("light", "light", 0.54, 0.135, 0.02, 0.035, (0, 0, 255) if on else (50, 50, 90)),
            *birds,
            Sprite(
                "fan", "panel", 0.45 + 0.03 * math.sin(t * 3), 0.62, 0.02, 0.05, (200, 200, 200)
            ),
        ]


class PlatformScene(Scene):
    key = "platform"
    background = (90, 90, 100)

    def draw_layout(self, img: Image) -> None:
        _rect(img, 0, 0, 1, 0.15, (40, 40, 50))  # canopy
        for x in np.arange(0.02, 1.0, 0.2):
            _rect(img, x, 0.15, x + 0.03, 0.55, (60, 60, 70))
        _rect(img, 0, 0.55, 1, 0.72, (60, 50, 45))  # track bed
        for y in (0.6, 0.68):
            _line(img, 0, y, 1, y, (170, 170, 180), 0.004)
        _rect(img, 0, 0.72, 1, 1, (170, 165, 160))  # platform
        _rect(img, 0, 0.73, 1, 0.76, (0, 220, 255))  # yellow line
        _rect(img, 0.72, 0.2, 0.95, 0.3, (20, 20, 20))  # departure board
        _text(img, "14:05 CITY", 0.73, 0.28, (0, 180, 255), size_per=1600, stroke_per=640)

    def sprites(self, t: float) -> list[Sprite]:
        s = _saw(t, 30.0)
        # arrive (0-0.25), stand (0.25-0.6), leave (0.6-0.85), empty track.
        if s < 0.25:
            x = -1.1 + 1.15 * math.sin(s / 0.25 * math.pi / 2)
        elif s < 0.6:
            x = 0.05
        else:
            x = 0.05 + 1.3 * ((s - 0.6) / 0.25) ** 2
        sprites = [Sprite("train", "train", x, 0.3, 0.95, 0.35, (40, 40, 170))]
        sprites += [
            _walker("person", t, 0.2 + 0.05 * math.sin(t * 0.5), 0.92, 0.3, (220, 220, 220), 0.3),
            _walker("person", t, 0.35 + 0.5 * _pingpong(t, 13.0), 0.97, 0.34, (30, 30, 120), 1.4),
        ]
        return sprites


class WarehouseScene(Scene):
    key = "warehouse"
    background = (60, 70, 80)

    def draw_layout(self, img: Image) -> None:
        _rect(img, 0, 0.7, 1, 1, (130, 140, 145))  # floor
        _rect(img, 0, 0.7, 1, 0.715, (0, 210, 250))
        for x in (0.02, 0.55):
            for y in np.arange(0.1, 0.7, 0.15):
                _rect(img, x, y, x + 0.43, y + 0.012, (0, 110, 240))  # orange beams
                for bx in np.arange(x + 0.02, x + 0.4, 0.09):
                    _rect(img, bx, y - 0.1, bx + 0.07, y, (80, 140, 190))  # boxes
            for px in (x, x + 0.42):
                _rect(img, px, 0.0, px + 0.012, 0.7, (160, 80, 20))  # blue uprights

    def sprites(self, t: float) -> list[Sprite]:
        return [
            Sprite(
                "forklift", "forklift", 1.05 - 1.25 * _saw(t, 14.0), 0.58, 0.16, 0.22, (0, 200, 255)
            ),
            _walker("person", t, 0.1 + 0.8 * _pingpong(t, 22.0), 0.97, 0.3, (0, 120, 255)),
        ]


# -- the PTZ camera: a viewport into a harbour panorama -----------------------------------------
#
# The world is a 360° panorama in degrees: azimuth grows to the right and repeats every 360°,
# elevation grows upwards (-50..50). It is drawn in tiles, per scale level, on demand, and kept
# in a small LRU cache shared by every PTZ scene (the picture is the same for all of them).

PANO_TOP = 50.0  # elevation at the top of the panorama; the bottom is -PANO_TOP
PANO_LEFT = -240.0  # azimuth of pixel column 0 on every level
BASE_PPD = 8.0  # pixels per degree on level 0; level k has BASE_PPD * 2**k
MAX_LEVEL = 5
TILE = 512
MAX_TILES = 96  # about 75 MB of cached tiles at most
_CAP_HEIGHT = cv2.getTextSize("A", _FONT, 1.0, 1)[0][1]  # cap height at font scale 1


@functools.lru_cache(maxsize=1024)
def _text_size(text: str, scale: float, thick: int) -> tuple[tuple[int, int], int]:
    """`cv2.getTextSize`, remembered: it costs up to milliseconds at some scales."""
    (w, h), base = cv2.getTextSize(text, _FONT, scale, thick)
    return (w, h), base


def _near(c: _Canvas, keys: Sequence[float], margin: float) -> Iterator[int]:
    """Indices into the sorted azimuths `keys` within `margin` degrees of the tile."""
    for s in (-360.0, 0.0, 360.0):
        lo = bisect.bisect_left(keys, c.left - s - margin)
        yield from range(lo, bisect.bisect_right(keys, c.right - s + margin, lo))


def _wrap_deg(a: float) -> float:
    """An azimuth in -180..180."""
    return (a + 180.0) % 360.0 - 180.0


class _Canvas:
    """One tile: draws shapes given in world degrees, each also 360° to the left and right.

    A shape that misses the tile costs one bounding-box test.
    """

    def __init__(self, img: Image, left: float, top: float, ppd: float) -> None:
        self.img = img
        self.left, self.top, self.ppd = left, top, ppd
        self.right = left + img.shape[1] / ppd
        self.bottom = top - img.shape[0] / ppd

    def shifts(self, a0: float, a1: float, e0: float, e1: float) -> list[float]:
        """The 360° shifts at which the box a0..a1 x e0..e1 (e0 < e1) meets the tile."""
        if e1 < self.bottom or e0 > self.top:
            return []
        return [s for s in (-360.0, 0.0, 360.0) if a0 + s < self.right and a1 + s > self.left]

    def meets(self, a0: float, a1: float, e0: float, e1: float) -> bool:
        return bool(self.shifts(a0, a1, e0, e1))

    def x(self, a: float) -> int:
        return round((a - self.left) * self.ppd)

    def y(self, e: float) -> int:
        return round((self.top - e) * self.ppd)

    def px(self, a: float, e: float) -> tuple[int, int]:
        return self.x(a), self.y(e)

    def rect(self, a0: float, e0: float, a1: float, e1: float, color: Color) -> None:
        for s in self.shifts(a0, a1, e0, e1):
            x0, x1 = max(0, self.x(a0 + s)), max(0, self.x(a1 + s))
            self.img[max(0, self.y(e1)) : max(0, self.y(e0)), x0:x1] = color

    def band(self, e_top: float, e_bottom: float, top: Color, bottom: Color) -> None:
        """A vertical gradient across the whole tile."""
        y0, y1 = self.y(e_top), self.y(e_bottom)
        a, b = max(0, y0), min(self.img.shape[0], y1)
        if b <= a:
            return
        ramp = ((np.arange(a, b, dtype=np.float32) - y0) / max(1, y1 - y0))[:, None]
        colors = (1 - ramp) * np.array(top, np.float32) + ramp * np.array(bottom, np.float32)
        column = colors.astype(np.uint8)[:, None, :]
        # cv2.resize spreads the column over the width ten times faster than broadcasting.
        size = (self.img.shape[1], b - a)
        self.img[a:b] = cv2.resize(column, size, interpolation=cv2.INTER_NEAREST)

    def poly(self, points: list[tuple[float, float]], color: Color) -> None:
        a_s, e_s = [p[0] for p in points], [p[1] for p in points]
        for s in self.shifts(min(a_s), max(a_s), min(e_s), max(e_s)):
            pts = np.array([self.px(a + s, e) for a, e in points], np.int32)
            cv2.fillPoly(self.img, [pts], color, cv2.LINE_AA)

    def line(self, a0: float, e0: float, a1: float, e1: float, color: Color, width: float) -> None:
        """A line `width` degrees thick."""
        pad = width
        box = (min(a0, a1) - pad, max(a0, a1) + pad, min(e0, e1) - pad, max(e0, e1) + pad)
        thick = max(1, round(width * self.ppd))
        for s in self.shifts(*box):
            cv2.line(self.img, self.px(a0 + s, e0), self.px(a1 + s, e1), color, thick, cv2.LINE_AA)

    def ellipse(
        self, a: float, e: float, ra: float, re: float, color: Color, width: float = 0.0
    ) -> None:
        """A filled ellipse (or its outline, `width` degrees thick)."""
        thick = -1 if width <= 0 else max(1, round(width * self.ppd))
        axes = (max(1, round(ra * self.ppd)), max(1, round(re * self.ppd)))
        for s in self.shifts(a - ra - width, a + ra + width, e - re - width, e + re + width):
            cv2.ellipse(self.img, self.px(a + s, e), axes, 0, 0, 360, color, thick, cv2.LINE_AA)

    def text(
        self,
        text: str,
        a: float,
        e: float,
        height: float,
        color: Color,
        *,
        outline: Color | None = None,
        centred: bool = True,
    ) -> None:
        """Text `height` degrees tall with its baseline at elevation `e`."""
        px = height * self.ppd
        if px < 6:  # unreadable: leave it out
            return
        scale = px / _CAP_HEIGHT
        thick = max(1, round(px / 10))
        (tw, _), base = _text_size(text, scale, thick)
        a0 = a - tw / self.ppd / 2 if centred else a
        for s in self.shifts(a0, a0 + tw / self.ppd, e - base / self.ppd, e + height):
            org = self.px(a0 + s, e)
            if outline is not None:
                cv2.putText(self.img, text, org, _FONT, scale, outline, 3 * thick, cv2.LINE_AA)
            cv2.putText(self.img, text, org, _FONT, scale, color, thick, cv2.LINE_AA)

    def windows(
        self, b: _Building, pitch_a: float, pitch_e: float, lit: Color, dark: Color
    ) -> None:
        """A grid of windows on a building's front (left out while smaller than a few pixels)."""
        if pitch_a * self.ppd < 4:
            return
        h, w = self.img.shape[:2]
        top = b.height - pitch_e * 0.5
        for s in self.shifts(b.a, b.a + b.width, 0.0, top):
            x0, x1 = max(0, self.x(b.a + s)), min(w, self.x(b.a + b.width + s))
            y0, y1 = max(0, self.y(top)), min(h, self.y(0.4))
            if x1 <= x0 or y1 <= y0:
                continue
            u = ((np.arange(x0, x1) + 0.5) / self.ppd + self.left - b.a - s) / pitch_a
            v = (top - self.top + (np.arange(y0, y1) + 0.5) / self.ppd) / pitch_e
            col, row = np.floor(u).astype(np.int32), np.floor(v).astype(np.int32)
            in_x = np.abs(u - col - 0.5) < 0.22
            in_y = np.abs(v - row - 0.5) < 0.22
            window = in_y[:, None] & in_x[None, :]
            on = (col[None, :] * 7 + row[:, None] * 13 + b.seed) % 5 != 0
            region = self.img[y0:y1, x0:x1]
            region[window & on] = lit
            region[window & ~on] = dark


@dataclass(frozen=True)
class _Building:
    a: float  # left edge (azimuth)
    width: float
    height: float  # roof elevation; every building stands on the far shore at 0
    color: Color
    seed: int


_SKY_TOP: Color = (120, 62, 30)
_SKY_LOW: Color = (150, 200, 250)  # golden hour near the horizon
_WATER_FAR: Color = (140, 120, 80)
_WATER_NEAR: Color = (95, 65, 25)
_SEA = (128.0, 196.0)  # azimuths (unwrapped 128..196 = 128..180 and -180..-164): open sea


def _in_sea(a: float) -> bool:
    return _SEA[0] <= a % 360.0 <= _SEA[1]


def _skyline() -> tuple[_Building, ...]:
    """The far shore's buildings: a fixed layout (seeded), tall in the centre, low elsewhere."""
    rng = random.Random(8)
    palette: list[Color] = [
        (120, 130, 140),
        (100, 105, 125),
        (135, 145, 150),
        (95, 110, 120),
        (140, 125, 115),
        (115, 120, 105),
    ]
    buildings = []
    a = -180.0
    while a < 180.0:
        width = rng.uniform(1.4, 3.6)
        if not _in_sea(a) and not _in_sea(a + width):
            core = math.exp(-((a / 40.0) ** 2)) + 0.6 * math.exp(-(((a - 95.0) / 25.0) ** 2))
            height = 1.2 + rng.uniform(0.0, 2.5) + core * rng.uniform(3.0, 9.0)
            buildings.append(_Building(a, width, height, rng.choice(palette), rng.randrange(1000)))
        a += width + rng.uniform(0.0, 0.8)
    return tuple(buildings)


def _waves() -> tuple[tuple[float, float, float], ...]:
    """Wave crests `(azimuth, elevation, length)`, sorted by azimuth."""
    rng = random.Random(9)
    return tuple(
        sorted(
            (rng.uniform(-180.0, 180.0), -rng.uniform(0.3, 8.7), rng.uniform(0.4, 1.6))
            for _ in range(420)
        )
    )


_BUILDINGS = _skyline()
_BUILDING_KEYS = [b.a for b in _BUILDINGS]
_WAVES = _waves()
_WAVE_KEYS = [w[0] for w in _WAVES]
_CLOUDS = (
    (-150.0, 30.0, 9.0, 1.6),
    (-95.0, 22.0, 12.0, 2.0),
    (-20.0, 34.0, 10.0, 1.8),
    (40.0, 26.0, 14.0, 2.2),
    (110.0, 38.0, 8.0, 1.4),
    (160.0, 20.0, 11.0, 1.7),
)
_LABEL: Color = (255, 255, 255)
_LABEL_OUTLINE: Color = (40, 30, 20)


def _label(c: _Canvas, text: str, a: float, e: float) -> None:
    c.text(text, a, e, 1.0, _LABEL, outline=_LABEL_OUTLINE)


def _draw_sky(c: _Canvas) -> None:
    c.band(PANO_TOP, 0.0, _SKY_TOP, _SKY_LOW)
    c.ellipse(-120.0, 7.0, 3.4, 3.4, (170, 225, 252))  # the low sun and its glow
    c.ellipse(-120.0, 7.0, 2.2, 2.2, (200, 245, 255))
    for a, e, ra, re in _CLOUDS:
        c.ellipse(a, e, ra, re, (205, 210, 230))
        c.ellipse(a + ra * 0.35, e + re * 0.7, ra * 0.5, re * 0.9, (215, 220, 236))
    hills = [
        (a, 1.6 + 1.1 * math.sin(a * math.pi / 45) + 0.6 * math.sin(a * math.pi / 20))
        for a in np.arange(-180.0, 180.1, 2.5)
    ]
    c.poly([(-180.0, -0.5), *hills, (180.0, -0.5)], (135, 118, 122))


def _wind_farm(c: _Canvas) -> None:
    for a in (-158.0, -151.0, -144.0):
        c.line(a, 1.0, a, 6.0, (225, 225, 230), 0.18)
        for k in range(3):
            angle = math.radians(20 + 120 * k)
            tip = (a + 2.0 * math.cos(angle), 6.0 + 2.0 * math.sin(angle))
            c.line(a, 6.0, *tip, (225, 225, 230), 0.12)
    _label(c, "WIND FARM", -151.0, 9.2)


def _stadium(c: _Canvas) -> None:
    c.ellipse(-105.0, 1.2, 7.0, 2.4, (170, 172, 182))
    c.ellipse(-105.0, 2.2, 6.0, 1.0, (90, 150, 80))
    for a in (-111.0, -99.0):
        c.line(a, 0.0, a, 6.2, (90, 90, 95), 0.15)
        c.rect(a - 0.6, 6.0, a + 0.6, 6.8, (200, 250, 255))
    _label(c, "STADIUM", -105.0, 8.0)


def _tv_tower(c: _Canvas) -> None:
    c.poly([(-66.0, 0.0), (-64.0, 0.0), (-64.75, 21.0), (-65.25, 21.0)], (185, 185, 195))
    c.ellipse(-65.0, 15.0, 1.7, 0.9, (90, 90, 100))
    c.rect(-66.2, 14.6, -63.8, 15.2, (150, 220, 250))
    c.line(-65.0, 21.0, -65.0, 27.0, (120, 120, 130), 0.12)
    c.ellipse(-65.0, 27.0, 0.25, 0.25, (40, 40, 255))
    c.text("TV TOWER", -62.6, 14.5, 1.0, _LABEL, outline=_LABEL_OUTLINE, centred=False)


def _cathedral(c: _Canvas) -> None:
    stone: Color = (150, 175, 195)
    c.rect(-34.0, 0.0, -26.0, 5.0, stone)
    c.ellipse(-30.0, 5.0, 2.8, 2.8, (125, 150, 85))
    c.rect(-30.15, 7.5, -29.85, 10.2, (60, 150, 200))
    c.rect(-30.8, 9.4, -29.2, 9.6, (60, 150, 200))
    for a in (-34.0, -26.0):
        c.rect(a - 0.8, 0.0, a + 0.8, 7.0, stone)
        c.poly([(a - 0.8, 7.0), (a + 0.8, 7.0), (a, 11.0)], (90, 100, 110))
    _label(c, "CATHEDRAL", -30.0, 12.4)


def _bridge(c: _Canvas) -> None:
    steel: Color = (70, 70, 80)
    arch = [(a, 1.0 + 8.0 * (1 - (a / 12.0) ** 2)) for a in np.arange(-12.0, 12.01, 0.5)]
    for (a0, e0), (a1, e1) in itertools.pairwise(arch):
        c.line(a0, e0, a1, e1, steel, 0.45)
    for a, e in arch[2:-2:2]:
        c.line(a, e, a, 2.2, steel, 0.08)
    c.rect(-15.0, 1.9, 15.0, 2.5, (60, 60, 70))
    for a in (-13.6, 12.6):
        c.rect(a, -0.6, a + 1.0, 4.6, (160, 175, 185))
    _label(c, "HARBOUR BRIDGE", 0.0, 10.6)


def _ferris_wheel(c: _Canvas) -> None:
    c.line(35.0, 6.0, 32.5, 0.0, (230, 230, 235), 0.2)
    c.line(35.0, 6.0, 37.5, 0.0, (230, 230, 235), 0.2)
    c.ellipse(35.0, 6.0, 5.0, 5.0, (235, 235, 240), 0.22)
    for k in range(12):
        angle = math.radians(30 * k)
        ca, ce = 35.0 + 5.0 * math.cos(angle), 6.0 + 5.0 * math.sin(angle)
        c.line(35.0, 6.0, ca, ce, (200, 200, 210), 0.06)
        c.rect(ca - 0.35, ce - 0.7, ca + 0.35, ce, ((40, 40, 220), (40, 200, 240))[k % 2])
    _label(c, "FERRIS WHEEL", 35.0, 12.2)


def _clock_tower(c: _Canvas) -> None:
    c.rect(69.0, 0.0, 71.0, 12.0, (110, 140, 170))
    c.poly([(68.7, 12.0), (71.3, 12.0), (70.0, 14.6)], (70, 80, 90))
    c.ellipse(70.0, 10.2, 0.7, 0.7, (235, 240, 240))
    c.line(70.0, 10.2, 70.0, 10.75, (20, 20, 20), 0.06)
    c.line(70.0, 10.2, 70.4, 10.2, (20, 20, 20), 0.06)
    _label(c, "CLOCK TOWER", 70.0, 15.6)


def _container_port(c: _Canvas) -> None:
    boxes: tuple[Color, ...] = ((40, 60, 190), (150, 90, 30), (40, 150, 60), (30, 140, 220))
    for k, a in enumerate(np.arange(96.0, 118.0, 1.6)):
        for level in range(1 + k % 3):
            c.rect(a, -0.4 + 0.75 * level, a + 1.5, 0.3 + 0.75 * level, boxes[(k + level) % 4])
    orange: Color = (0, 120, 235)
    for a in (99.0, 106.0, 113.0):  # gantry cranes
        c.line(a, -0.5, a, 8.0, orange, 0.3)
        c.line(a + 2.5, -0.5, a + 2.5, 8.0, orange, 0.3)
        c.line(a - 3.0, 7.6, a + 5.0, 7.6, orange, 0.35)
        c.rect(a + 0.3, 6.2, a + 2.2, 7.4, (40, 40, 45))
    _label(c, "CONTAINER PORT", 107.0, 10.0)


def _lighthouse(c: _Canvas) -> None:
    c.rect(145.0, -1.2, 155.0, -0.4, (140, 145, 150))  # the pier
    c.poly([(148.8, -0.4), (151.2, -0.4), (150.6, 8.0), (149.4, 8.0)], (240, 240, 240))
    for e0 in (1.2, 4.4):  # red bands on the tapering tower
        e1 = e0 + 1.6
        band = [(148.8 + e0 / 14, e0), (151.2 - e0 / 14, e0), (151.2 - e1 / 14, e1)]
        c.poly([*band, (148.8 + e1 / 14, e1)], (40, 40, 210))
    c.rect(149.3, 8.0, 150.7, 9.2, (150, 235, 255))
    c.poly([(149.0, 9.2), (151.0, 9.2), (150.0, 10.2)], (40, 40, 160))
    _label(c, "LIGHTHOUSE", 150.0, 11.4)


def _radio_mast(c: _Canvas) -> None:
    c.poly([(-178.0, -0.6), (-175.0, 1.6), (-170.0, 1.2), (-167.0, -0.6)], (90, 115, 100))
    c.line(-173.0, 1.2, -173.0, 9.0, (90, 90, 100), 0.14)
    for e in (4.0, 6.5, 9.0):
        c.ellipse(-173.0, e, 0.2, 0.2, (40, 40, 255))
    _label(c, "RADIO MAST", -173.0, 10.6)


# Each landmark with the box (azimuths, elevations) it draws in, labels included.
_LANDMARKS: tuple[tuple[tuple[float, float, float, float], Callable[[_Canvas], None]], ...] = (
    ((-162.0, -140.0, 0.0, 10.5), _wind_farm),
    ((-113.0, -97.0, -1.5, 9.3), _stadium),
    ((-67.0, -52.0, 0.0, 27.5), _tv_tower),
    ((-36.0, -24.0, 0.0, 13.6), _cathedral),
    ((-16.0, 16.0, -1.0, 11.8), _bridge),
    ((27.0, 43.0, 0.0, 13.4), _ferris_wheel),
    ((63.0, 77.0, 0.0, 16.8), _clock_tower),
    ((92.0, 122.0, -1.0, 11.2), _container_port),
    ((144.0, 156.0, -1.5, 12.6), _lighthouse),
    ((-180.0, -165.0, -1.0, 11.8), _radio_mast),
)


def _draw_city(c: _Canvas) -> None:
    for i in _near(c, _BUILDING_KEYS, 4.0):
        b = _BUILDINGS[i]
        if c.meets(b.a, b.a + b.width, 0.0, b.height):
            c.rect(b.a, 0.0, b.a + b.width, b.height, b.color)
            c.windows(b, 0.5, 0.7, (120, 205, 250), (70, 60, 55))


def _draw_water(c: _Canvas) -> None:
    c.band(0.0, -9.0, _WATER_FAR, _WATER_NEAR)
    for i in _near(c, _WAVE_KEYS, 2.0):
        a, e, length = _WAVES[i]
        c.line(a, e, a + length, e, (165, 150, 115), 0.05)
    for k in range(14):  # the sun's glitter
        e = -0.6 - 0.6 * k
        c.line(-121.0 - 0.15 * k, e, -119.0 + 0.15 * k, e, (170, 225, 250), 0.12)


def _draw_quay_and_scale(c: _Canvas) -> None:
    c.rect(-180.0, -9.8, 180.0, -9.0, (120, 130, 140))  # quay wall
    c.rect(-180.0, -13.0, 180.0, -9.8, (72, 72, 78))  # road
    c.rect(-180.0, -13.0, 180.0, -12.8, (200, 200, 205))
    for dash in range(math.floor(c.left / 4) * 4, math.ceil(c.right) + 1, 4):  # centre line
        c.rect(dash, -11.5, dash + 2.0, -11.3, (225, 225, 225))
    c.rect(-180.0, -16.6, 180.0, -12.99, (38, 38, 44))  # the degree scale's plate
    # The scale: ticks every degree (and half degree close up), numbers every 10/5/1 degrees.
    step = 1 if c.ppd >= 96 else 5 if c.ppd >= 32 else 10
    for half in range(math.floor(c.left) * 2, math.ceil(c.right) * 2 + 1):
        a = half / 2
        if half % 2 and c.ppd < 48:
            continue
        length = 1.4 if a % 10 == 0 else 0.9 if a % 5 == 0 else 0.5 if half % 2 == 0 else 0.3
        c.line(a, -13.0, a, -13.0 - length, (235, 235, 235), 0.08)
        if half % 2 == 0 and a % step == 0:
            number = round(_wrap_deg(a))
            cardinal = {0: " N", 90: " E", -180: " S", -90: " W"}.get(number, "")
            c.text(
                f"{number}{cardinal}",
                a,
                -15.9,
                0.8,
                (235, 235, 235) if not cardinal else (80, 220, 255),
            )
    c.rect(-180.0, -18.2, 180.0, -16.6, (170, 178, 184))  # parapet


def _draw_roof(c: _Canvas) -> None:
    c.band(-18.2, -PANO_TOP, (95, 100, 106), (78, 82, 88))
    for a in np.arange(-40.0, 40.0, 10.0):  # solar panels
        c.rect(a + 0.5, -30.0, a + 9.5, -24.0, (110, 55, 35))
        for k in range(1, 4):
            c.line(a + 0.5 + 2.25 * k, -24.0, a + 0.5 + 2.25 * k, -30.0, (160, 130, 110), 0.08)
    c.rect(60.0, -30.0, 80.0, -21.0, (180, 185, 190))  # an air-conditioning unit
    c.ellipse(65.0, -25.5, 3.0, 3.0, (90, 90, 95))
    c.ellipse(75.0, -25.5, 3.0, 3.0, (90, 90, 95))
    c.ellipse(180.0, -32.0, 9.0, 9.0, (60, 170, 230), 0.6)  # the helipad
    c.text("H", 180.0, -35.0, 6.0, (235, 235, 235), centred=True)


def _render_tile(level: int, col: int, row: int) -> Image:
    ppd = BASE_PPD * 2**level
    img = np.empty((TILE, TILE, 3), np.uint8)
    c = _Canvas(img, PANO_LEFT + col * TILE / ppd, PANO_TOP - row * TILE / ppd, ppd)
    if c.top > 0.0:
        _draw_sky(c)
    if c.top > -1.0 and c.bottom < 16.0:
        _draw_city(c)
    for box, draw in _LANDMARKS:
        if c.meets(*box):
            draw(c)
    if c.bottom < 0.0 and c.top > -9.0:
        _draw_water(c)
    if c.bottom < -9.0 and c.top > -18.2:
        _draw_quay_and_scale(c)
    if c.bottom < -18.2:
        _draw_roof(c)
    img.setflags(write=False)
    return img


class _Panorama:
    """The panorama's tiles, drawn on first use and kept in an LRU cache (thread-safe)."""

    def __init__(self, max_tiles: int = MAX_TILES) -> None:
        self._tiles: OrderedDict[tuple[int, int, int], Image] = OrderedDict()
        self._max_tiles = max_tiles
        self._lock = threading.Lock()
        self.drawn = 0  # tiles drawn so far (for tests and benchmarks)

    def tile(self, level: int, col: int, row: int) -> Image:
        key = (level, col, row)
        with self._lock:
            tile = self._tiles.get(key)
            if tile is not None:
                self._tiles.move_to_end(key)
                return tile
        tile = _render_tile(level, col, row)  # outside the lock: the other encoder goes on
        with self._lock:
            self.drawn += 1
            self._tiles[key] = tile
            while len(self._tiles) > self._max_tiles:
                self._tiles.popitem(last=False)
        return tile

    def region(self, level: int, x0: int, y0: int, x1: int, y1: int) -> Image:
        """Pixels x0..x1, y0..y1 of a level (a view into one tile when it fits in one)."""
        c0, c1, r0, r1 = x0 // TILE, (x1 - 1) // TILE, y0 // TILE, (y1 - 1) // TILE
        if c0 == c1 and r0 == r1:
            tile = self.tile(level, c0, r0)
            return tile[y0 - r0 * TILE : y1 - r0 * TILE, x0 - c0 * TILE : x1 - c0 * TILE]
        out = np.empty((y1 - y0, x1 - x0, 3), np.uint8)
        for row in range(r0, r1 + 1):
            for col in range(c0, c1 + 1):
                tile = self.tile(level, col, row)
                tx, ty = col * TILE, row * TILE
                ax0, ax1 = max(x0, tx), min(x1, tx + TILE)
                ay0, ay1 = max(y0, ty), min(y1, ty + TILE)
                out[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0] = tile[
                    ay0 - ty : ay1 - ty, ax0 - tx : ax1 - tx
                ]
        return out

    def view(
        self,
        pan: float,
        tilt: float,
        fov_h: float,
        fov_v: float,
        width: int,
        height: int,
        *,
        coarse: bool = False,
    ) -> Image:
        """The `fov_h` x `fov_v` degrees around (pan, tilt), scaled to width x height.

        Uses a level that is reduced (at most 1.7 times) rather than enlarged (at most 1.2
        times), for a sharp picture; `coarse` (moving fast): one enlarged up to 4 times, which
        blurs like a real camera's motion and needs a sixteenth of the tiles. Maps it with
        sub-pixel precision, so slow moves glide instead of stepping.
        """
        scale = math.log2(width / fov_h / BASE_PPD)  # the output's level, as a fraction
        level = math.floor(scale) - 1 if coarse else math.ceil(scale - 0.25)
        level = min(MAX_LEVEL, max(0, level))
        ppd = BASE_PPD * 2**level
        fx0 = (pan - fov_h / 2 - PANO_LEFT) * ppd
        fy0 = (PANO_TOP - tilt - fov_v / 2) * ppd
        fx1, fy1 = fx0 + fov_h * ppd, fy0 + fov_v * ppd
        x0, y0 = max(0, math.floor(fx0) - 1), max(0, math.floor(fy0) - 1)
        x1 = min(round((2 * -PANO_LEFT) * ppd), math.ceil(fx1) + 2)
        y1 = min(round(2 * PANO_TOP * ppd), math.ceil(fy1) + 2)
        source = self.region(level, x0, y0, x1, y1)
        sx, sy = (fx1 - fx0) / width, (fy1 - fy0) / height
        matrix = np.array(
            [[sx, 0.0, fx0 - x0 + 0.5 * sx - 0.5], [0.0, sy, fy0 - y0 + 0.5 * sy - 0.5]]
        )
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        out = cv2.warpAffine(
            source, matrix, (width, height), flags=flags, borderMode=cv2.BORDER_REPLICATE
        )
        return np.asarray(out, dtype=np.uint8)


_PANORAMA = _Panorama()


def _ptz_sprites(t: float) -> list[Sprite]:
    """The moving things at time `t` in world degrees: x = left azimuth, y = top elevation,
    w and h in degrees; back to front."""
    sprites = [
        Sprite("ship", "ship", 92.0 + 40.0 * _pingpong(t, 240.0), 0.9, 8.0, 1.7, (40, 40, 150)),
        *(
            Sprite(
                "boat",
                "sailboat",
                a + 6.0 * math.sin(t / 15.0 + k),
                -0.6,
                1.4,
                2.0,
                (245, 245, 245),
            )
            for k, a in enumerate((-80.0, -45.0, 55.0, 160.0))
        ),
        Sprite("boat", "boat", -50.0 + 100.0 * _pingpong(t, 80.0), -2.6, 4.6, 1.8, (40, 200, 245)),
        Sprite("boat", "boat", _wrap_deg(40.0 + 20.0 * t), -5.4, 2.4, 1.0, (40, 40, 220)),
    ]
    colours: list[Color] = [
        (40, 40, 200),
        (200, 200, 200),
        (30, 160, 30),
        (30, 30, 30),
        (200, 120, 40),
    ]
    sprites += [
        Sprite(
            "car", "car", _wrap_deg(-180.0 + 36.0 * i + 12.0 * t), -9.9, 2.4, 1.1, colours[i % 5]
        )
        for i in range(10)
    ]
    sprites += [
        Sprite(
            "car",
            "car",
            _wrap_deg(-162.0 + 36.0 * i - 15.0 * t),
            -11.5,
            2.8,
            1.3,
            colours[(i + 2) % 5],
        )
        for i in range(10)
    ]
    sprites.append(
        Sprite("plane", "plane", _wrap_deg(-180.0 + 9.0 * t), 24.0, 3.2, 0.9, (230, 230, 235))
    )
    sprites += [
        Sprite(
            "bird",
            "bird",
            -22.0 + 9.0 * k + 5.0 * math.sin(t / 3.0 + k),
            9.5 + math.sin(t + k),
            0.9,
            0.5,
            (40, 40, 40),
            _saw(t, 0.5, k * 0.1),
        )
        for k in range(4)
    ]
    return sprites


class HarbourPtzScene(Scene):
    """The PTZ camera: a viewport, steered by a `PtzHead`, into a 360° harbour panorama.

    Each frame cuts the viewport for the head's position at `t` out of the cached panorama
    tiles and scales it to the output size (the static view is reused while the head rests),
    then draws the moving things (boats, cars, a plane, birds: pure functions of `t`, placed in
    world degrees) and the overlays that stay put on screen: camera name, clock, a centre mark,
    the readout `P 12.5 T -3.0 Z 2.0x` and the time code. `objects()` gives the moving things
    inside the viewport as output-pixel boxes (which may reach past the picture's edges).
    """

    key = "harbour"
    background = _SKY_LOW

    def __init__(self, title: str, head: PtzHead | None = None) -> None:
        super().__init__(title)
        self.head = head if head is not None else PtzHead()
        self._views: dict[tuple[int, int], tuple[Position, Image]] = {}

    def render(self, t: float, width: int, height: int) -> Image:
        pose = self.head.position_at(t)
        img = self._view(pose, width, height, fast=self._fast(t, pose)).copy()
        for sprite, box in self._visible(t, pose, width, height):
            self._draw_sprite(img, sprite, box)
        self._draw_title(img)
        self._draw_clock(img, t)
        self._draw_readout(img, pose)
        self._draw_centre_mark(img)
        timecode.stamp(img, round(t * 1000))
        return img

    def objects(self, t: float, width: int, height: int) -> list[Box]:
        pose = self.head.position_at(t)
        return [(s.label, *box) for s, box in self._visible(t, pose, width, height)]

    def _background(self, width: int, height: int) -> Image:
        """The panorama's view for where the head is now (no moving things, no overlays)."""
        return self._view(self.head.position(), width, height)

    def _view(self, pose: Position, width: int, height: int, *, fast: bool = False) -> Image:
        """The panorama around `pose`; reused while the head rests."""
        cached = self._views.get((width, height))
        if cached is not None and cached[0] == pose:
            return cached[1]
        spec = self.head.spec
        fov_h, fov_v = spec.fov_h / pose.zoom, spec.fov_v / pose.zoom
        view = _PANORAMA.view(pose.pan, pose.tilt, fov_h, fov_v, width, height, coarse=fast)
        view.setflags(write=False)
        self._views[(width, height)] = (pose, view)
        return view

    def _fast(self, t: float, pose: Position) -> bool:
        """Moving more than a picture's width (or height, or zooming x2) per second: the
        picture comes from a coarser level, like a real camera's motion blur, so panning
        zoomed in does not draw a dozen tiles per frame."""
        before = self.head.position_at(t - 0.1)
        spec = self.head.spec
        return (
            abs(pose.pan - before.pan) * pose.zoom > 0.1 * spec.fov_h
            or abs(pose.tilt - before.tilt) * pose.zoom > 0.1 * spec.fov_v
            or abs(math.log2(pose.zoom / before.zoom)) > 0.1
        )

    def _visible(
        self, t: float, pose: Position, width: int, height: int
    ) -> list[tuple[Sprite, tuple[int, int, int, int]]]:
        """The moving things inside the viewport with their output-pixel boxes."""
        spec = self.head.spec
        fov_h, fov_v = spec.fov_h / pose.zoom, spec.fov_v / pose.zoom
        left, top = pose.pan - fov_h / 2, pose.tilt + fov_v / 2
        sx, sy = width / fov_h, height / fov_v
        visible = []
        for s in _ptz_sprites(t):
            a = s.x + 360.0 * round((pose.pan - s.x - s.w / 2) / 360.0)  # the nearest copy
            x, y = round((a - left) * sx), round((top - s.y) * sy)
            w, h = max(1, round(s.w * sx)), max(1, round(s.h * sy))
            if x < width and x + w > 0 and y < height and y + h > 0:
                visible.append((s, (x, y, w, h)))
        return visible

    def _draw_readout(self, img: Image, pose: Position) -> None:
        w = img.shape[1]
        scale, thick = self._text_scale(w)
        pad = max(2, round(w * 0.006))
        text = f"P {_tenths(pose.pan)} T {_tenths(pose.tilt)} Z {_tenths(pose.zoom)}x"
        (tw, th), base = _text_size(text, scale, thick)
        x0 = w - tw - 3 * pad
        cv2.rectangle(img, (x0, 0), (w - 1, th + base + 2 * pad), (20, 20, 20), -1)
        cv2.putText(img, text, (x0 + pad, th + pad), _FONT, scale, (255, 255, 255), thick)

    @staticmethod
    def _draw_centre_mark(img: Image) -> None:
        h, w = img.shape[:2]
        cx, cy, arm, gap = w // 2, h // 2, max(4, w // 80), max(2, w // 320)
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            cv2.line(
                img,
                (cx + dx * gap, cy + dy * gap),
                (cx + dx * arm, cy + dy * arm),
                (255, 255, 255),
                max(1, w // 1280),
            )


def _tenths(value: float) -> str:
    """One decimal, never "-0.0"."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


SCENES: dict[str, type[Scene]] = {
    cls.key: cls
    for cls in (
        StreetScene,
        CarParkScene,
        EntranceScene,
        CorridorScene,
        LoadingDockScene,
        LobbyScene,
        PerimeterScene,
        RooftopScene,
        PlatformScene,
        HarbourPtzScene,
        WarehouseScene,
    )
}


def scene_for(key: str, title: str, head: PtzHead | None = None) -> Scene:
    """A new scene of kind `key` (see `SCENES`) showing `title` as its camera name.

    `head` steers a PTZ scene (`HarbourPtzScene`); without one it shows its home view.
    """
    cls = SCENES[key]
    if head is None:
        return cls(title)
    if not issubclass(cls, HarbourPtzScene):
        raise ValueError(f"scene {key!r} cannot be steered")
    return cls(title, head)
