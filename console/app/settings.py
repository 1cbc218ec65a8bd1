"""Console settings (`settings.json`): which hub, how to decode, how to render.

Secrets never live here: hub credentials belong in the OS keyring. The file is versioned JSON
and a damaged one is kept and reported, never overwritten in silence (see `console.base.jsonfile`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from console.base.jsonfile import FileFormatError, LoadResult, load_versioned, save_sections
from console.identity.reasons import ReasonPolicy
from console.media.frame import RENDER_PATHS, RenderPath
from console.media.live_buffer import DEFAULT_LIVE_BUFFER_MS, LIVE_BUFFER_MAX_MS, LIVE_BUFFER_MIN_MS

KIND = "tessera.settings"
VERSION = 1
HW_DECODING_CHOICES = ("auto", "off", "vaapi", "vdpau", "nvdec", "d3d11va", "dxva2", "videotoolbox")


@dataclass(frozen=True)
class HubSettings:
    driver: str = "tessera"
    url: str | None = None  # None: start the embedded demo hub
    operator: str | None = None


@dataclass(frozen=True)
class VideoSettings:
    hw_decoding: str = "auto"
    render_path: RenderPath = RenderPath.COMPOSITED  # for new walls; each wall keeps its own
    network_caching_ms: int = DEFAULT_LIVE_BUFFER_MS


@dataclass(frozen=True)
class Settings:
    hub: HubSettings = field(default_factory=HubSettings)
    video: VideoSettings = field(default_factory=VideoSettings)
    # Which sensitive actions need a reason, and the predefined reasons (issue 17, section 3).
    policy: ReasonPolicy = field(default_factory=ReasonPolicy)
    # The operator's name and the time over the video on every tile ("policy.watermark", issue
    # 18, section 5): a photograph of the screen shows who was watching, and when.
    watermark: bool = False


def _section(doc: dict[str, Any], name: str) -> dict[str, Any]:
    value = doc.get(name, {})
    if not isinstance(value, dict):
        raise FileFormatError(f'"{name}" must be an object')
    return value


def _typed(d: dict[str, Any], key: str, typ: type, default: Any, where: str) -> Any:
    value = d.get(key, default)
    if value is not None and (
        not isinstance(value, typ) or isinstance(value, bool) != (typ is bool)
    ):
        raise FileFormatError(f'"{where}.{key}" has the wrong type')
    return value


def parse(doc: dict[str, Any]) -> Settings:
    """The settings in `doc`. Other top-level keys ("sources", read by
    `console.sources.store`) are not this parser's and are ignored."""
    h, v = _section(doc, "hub"), _section(doc, "video")
    url = _typed(h, "url", str, None, "hub")
    if url is not None and "@" in urlsplit(url).netloc:
        # Secrets never live in files: refuse rather than use (and later copy) a password.
        raise FileFormatError(
            '"hub.url" contains a user name or password; Tessera keeps no credentials in files '
            "(hub credentials belong in the OS keyring)"
        )
    hub = HubSettings(
        driver=_typed(h, "driver", str, "tessera", "hub"),
        url=url,
        operator=_typed(h, "operator", str, None, "hub"),
    )
    hw = _typed(v, "hw_decoding", str, "auto", "video")
    if hw not in HW_DECODING_CHOICES:
        raise FileFormatError(
            f'"video.hw_decoding" must be one of {", ".join(HW_DECODING_CHOICES)}'
        )
    path = _typed(v, "render_path", str, RenderPath.COMPOSITED.value, "video")
    if path not in RENDER_PATHS:
        raise FileFormatError(f'"video.render_path" must be one of {", ".join(RENDER_PATHS)}')
    caching = _typed(v, "network_caching_ms", int, DEFAULT_LIVE_BUFFER_MS, "video")
    if not LIVE_BUFFER_MIN_MS <= caching <= LIVE_BUFFER_MAX_MS:
        raise FileFormatError(
            f'"video.network_caching_ms" must be between {LIVE_BUFFER_MIN_MS} and '
            f"{LIVE_BUFFER_MAX_MS}"
        )
    try:
        policy = ReasonPolicy.parse(doc.get("policy"))
    except ValueError as exc:
        raise FileFormatError(str(exc)) from None
    watermark = _typed(_section(doc, "policy"), "watermark", bool, False, "policy")
    return Settings(hub, VideoSettings(hw, RenderPath(path), caching), policy, bool(watermark))


class SettingsStore:
    """Loads and saves `settings.json`. Blocking: run it in an executor from the GUI."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> LoadResult[Settings]:
        return load_versioned(self.path, KIND, VERSION, parse, Settings)

    def save(self, settings: Settings) -> None:
        """Write the settings, keeping the file's other sections ("sources", kept by
        `console.sources.store`, and any a newer console added) as they are."""
        sections = asdict(settings)
        policy = settings.policy
        sections["policy"] = {
            "reasons_required": sorted(policy.required),
            "reasons": {action: list(choices) for action, choices in policy.presets.items()},
            "watermark": sections.pop("watermark"),
        }
        save_sections(self.path, KIND, VERSION, sections)
