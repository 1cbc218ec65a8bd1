"""The media of an evidence pack, with PyAV and OpenCV: blocking, run on a worker thread.

- `remux`: the hub's MPEG-TS into MP4 packet by packet, never decoded (the evidence is the
  hub's own bits). The watermark cannot be burned into pictures that are not re-encoded, so it
  goes into the MP4 as a subtitle track that players show by default (default and forced):
  the `.srt` beside the video read by FFmpeg's own SRT demuxer and decoder and written by its
  mov_text encoder (nothing hand-made), and into the manifest. Where FFmpeg cannot write the
  track, the `.srt` alone carries it and the manifest says so.
- `reencode_masked`: a camera with privacy masks is decoded frame by frame, the masks drawn
  into the pixels (`console.privacy.masks.MaskSet`), the watermark burned in, and the frames
  encoded again as H.264 (libx264, a key frame every 2 s, no B-frames, like the hub's). Only a
  camera with masks is re-encoded.
- `snapshot`: a picture of the span's first frame, masks and watermark drawn in, PNG.

`should_stop()` is asked between packets and frames; ExportCancelled ends the work.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import numpy.typing as npt

from console.privacy.masks import MaskSet, PrivacyMask
from console.watermark.text import watermark_text as shared_watermark_text

__all__ = [
    "ExportCancelled",
    "MediaError",
    "burn_watermark",
    "reencode_masked",
    "remux",
    "snapshot",
    "watermark_text",
    "write_srt",
]

Progress = Callable[[float], None]
SEPARATOR = " \u00b7 "  # " · "


class ExportCancelled(Exception):  # noqa: N818 (the operator's choice, not a fault)
    """The operator cancelled the export."""


class MediaError(Exception):
    """The hub's media cannot be read or written; `str()` is plain words."""


def watermark_text(operator: str, console: str, when: datetime) -> str:
    """ "OPERATOR · CONSOLE · YYYY-MM-DD HH:MM:SS UTC": the on-screen watermark's words
    (console.watermark), in UTC, so an export and a tile say the same thing."""
    return shared_watermark_text(operator, when.astimezone(timezone.utc), console)


def burn_watermark(image: npt.NDArray[np.uint8], text: str) -> None:
    """Draw `text` into the bottom-left corner of a BGR picture, white on a dark outline.
    OpenCV's fonts draw ASCII only: the separators are drawn as dots, other characters as '?'."""
    height, width = image.shape[:2]
    scale = max(0.4, width / 1600)
    thickness = max(1, round(scale * 2))
    x = max(4, width // 80)
    y = height - max(6, height // 40)
    for i, part in enumerate(text.split(SEPARATOR)):
        if i:
            (dot_w, text_h), _ = cv2.getTextSize("   ", cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
            cx, cy, r = x + dot_w // 2, y - text_h // 2, max(2, round(4 * scale))
            cv2.circle(image, (cx, cy), r + 1, (0, 0, 0), -1, cv2.LINE_AA)
            cv2.circle(image, (cx, cy), r, (255, 255, 255), -1, cv2.LINE_AA)
            x += dot_w
        drawn = "".join(c if 32 <= ord(c) < 127 else "?" for c in part)
        for colour, extra in (((0, 0, 0), 2), ((255, 255, 255), 0)):
            cv2.putText(
                image,
                drawn,
                (x, y),
                cv2.FONT_HERSHEY_SIMPLEX,
                scale,
                colour,
                thickness + extra,
                cv2.LINE_AA,
            )
        (w, _), _ = cv2.getTextSize(drawn, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
        x += w


def _srt_time(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def write_srt(path: Path, text: str, duration_s: float) -> None:
    """One subtitle over the whole video: the watermark of a video that was not re-encoded."""
    body = f"1\n{_srt_time(0)} --> {_srt_time(max(duration_s, 0.001))}\n{text}\n"
    path.write_text(body, encoding="utf-8")


def _open(path: Path) -> Any:
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"The hub's video cannot be read ({exc}).") from None


def _video(container: Any) -> Any:
    if not container.streams.video:
        raise MediaError("The hub's export holds no video.")
    return container.streams.video[0]


def _subtitles(srt: Path) -> tuple[bytes, list[tuple[Any, int, int]]] | None:
    """The `.srt`'s subtitles decoded by FFmpeg (with the ASS header its decoder makes), as
    (subtitle set, pts ms, duration ms); None when FFmpeg cannot read them."""
    try:
        with av.open(str(srt)) as src:
            stream = src.streams.subtitles[0]
            found = []
            for packet in src.demux(stream):
                if packet.size == 0 or packet.pts is None:
                    continue
                decoded = stream.codec_context.decode2(packet)
                if decoded is not None:
                    found.append((decoded, int(packet.pts), int(packet.duration or 0)))
            header = stream.codec_context.subtitle_header
    except (av.error.FFmpegError, OSError, IndexError):
        return None
    return (header, found) if header and found else None


def _add_watermark_track(out: Any, srt: Path) -> Callable[[], bool] | None:
    """A mov_text track of the `.srt`'s text in `out` (added before anything is written),
    and the call that writes its packets (True when written); None when it cannot be."""
    read = _subtitles(srt)
    if read is None:
        return None
    header, found = read
    try:
        track = out.add_stream("mov_text")
        track.codec_context.subtitle_header = header
        track.time_base = Fraction(1, 1000)
        track.disposition = av.stream.Disposition.default | av.stream.Disposition.forced
    except (av.error.FFmpegError, ValueError, AttributeError):
        return None

    def write() -> bool:
        try:
            for subtitle, pts, duration in found:
                packet = track.codec_context.encode_subtitle(subtitle)
                packet.stream = track
                packet.pts = packet.dts = pts
                packet.duration = duration
                packet.time_base = track.time_base
                out.mux(packet)
        except (av.error.FFmpegError, ValueError, TypeError):
            return False
        return True

    return write


def remux(
    source: Path,
    dest: Path,
    expected_packets: int,
    progress: Progress,
    should_stop: Callable[[], bool],
    watermark_srt: Path | None = None,
) -> tuple[int, bool]:
    """Copy the video packets of `source` (MPEG-TS) into `dest` (MP4) without decoding them,
    with the watermark of `watermark_srt` as a subtitle track shown by default; the count of
    packets, and whether the track was written."""
    count = 0
    with _open(source) as src, av.open(str(dest), "w", format="mp4") as out:
        stream = _video(src)
        target = out.add_stream_from_template(stream)
        write_track = None if watermark_srt is None else _add_watermark_track(out, watermark_srt)
        for packet in src.demux(stream):
            if should_stop():
                raise ExportCancelled
            if packet.dts is None:  # the demuxer's empty packet at the end
                continue
            packet.stream = target
            out.mux(packet)
            count += 1
            if count % 15 == 0:
                progress(min(1.0, count / max(1, expected_packets)))
        tracked = write_track is not None and count > 0 and write_track()
    if count == 0:
        raise MediaError("The hub's export holds no video.")
    progress(1.0)
    return count, tracked


def _encoder_options(fps: int) -> dict[str, str]:
    gop = 2 * fps
    return {
        "preset": "veryfast",
        "crf": "18",  # evidence: visually lossless
        "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0",
    }


def reencode_masked(
    source: Path,
    dest: Path,
    masks: Sequence[PrivacyMask],
    watermark: str,
    fps: int,
    expected_frames: int,
    progress: Progress,
    should_stop: Callable[[], bool],
) -> int:
    """Decode `source`, draw the masks and the watermark into every frame, encode H.264 into
    `dest` (MP4) with the source's timestamps; the count of frames."""
    mask_set = MaskSet(masks)
    count = 0
    with _open(source) as src, av.open(str(dest), "w", format="mp4") as out:
        stream = _video(src)
        target: Any = None
        for frame in src.decode(stream):
            if should_stop():
                raise ExportCancelled
            image = frame.to_ndarray(format="bgr24")
            mask_set.apply(image)
            burn_watermark(image, watermark)
            if target is None:
                target = out.add_stream("libx264", rate=fps)
                target.width, target.height = image.shape[1], image.shape[0]
                target.pix_fmt = "yuv420p"
                target.time_base = stream.time_base
                target.codec_context.time_base = stream.time_base
                target.codec_context.framerate = Fraction(fps, 1)
                target.options = _encoder_options(fps)
            picture = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
            picture.pts = frame.pts
            picture.time_base = stream.time_base
            for packet in target.encode(picture):
                out.mux(packet)
            count += 1
            if count % 15 == 0:
                progress(min(1.0, count / max(1, expected_frames)))
        if target is None:
            raise MediaError("The hub's export holds no picture.")
        for packet in target.encode(None):
            out.mux(packet)
    progress(1.0)
    return count


def snapshot(
    source: Path, dest: Path, masks: Sequence[PrivacyMask], watermark: str
) -> tuple[int, int]:
    """The first picture of `source`, masks and watermark drawn in, as PNG; its size."""
    with _open(source) as src:
        stream = _video(src)
        for frame in src.decode(stream):
            image = frame.to_ndarray(format="bgr24")
            break
        else:
            raise MediaError("The hub's export holds no picture.")
    MaskSet(masks).apply(image)
    burn_watermark(image, watermark)
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise MediaError("The snapshot could not be written as PNG.")
    dest.write_bytes(data.tobytes())
    return image.shape[1], image.shape[0]


def expected_frames(span_s: float, gaps_s: float, fps: int) -> int:
    return max(1, math.ceil((span_s - gaps_s) * fps))
