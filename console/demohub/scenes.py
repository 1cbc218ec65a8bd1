"""Synthetic camera scenes for the demo hub: cheap, deterministic, clearly different pictures.

Each scene is a class with `render(t, width, height)` returning a BGR uint8 picture for Unix time
`t` (seconds, float) and `objects(t, width, height)` returning where its moving objects are drawn
as `(label, x, y, w, h)` pixel boxes. Everything that moves is a pure function of `t`, so two
renders of the same instant are identical (recordings and tests rely on it).

The static part of a scene (layout, palette, camera name) is drawn once per resolution and
copied each frame; per frame only a few shapes, the wall-clock time and the machine-readable
time code (`console.timecode`) are drawn.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from console import timecode

__all__ = ["SCENES", "Box", "Scene", "Sprite", "scene_for"]

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
    def _draw_sprite(img: Image, s: Sprite, box: tuple[int, int, int, int]) -> None:
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
        WarehouseScene,
    )
}


def scene_for(key: str, title: str) -> Scene:
    """A new scene of kind `key` (see `SCENES`) showing `title` as its camera name."""
    return SCENES[key](title)
