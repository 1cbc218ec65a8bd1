"""How the console reacts to alerts (`alerts.json`): auto-pop rules, sounds, notifications.

File format (version 1; every key optional, the defaults below apply):

    {"format": "tessera.alerts", "version": 1,
     "auto_pop": [{"min_priority": "high", "kinds": [], "cameras": [],
                   "target": "alarm_tiles"}],
     "sounds": {"enabled": false,
                "by_priority": {"low": null, "medium": "chime", "high": "alert",
                                "critical": "siren"}},
     "notifications": {"enabled": true, "min_priority": "medium"}}

- `auto_pop`: the first rule an alert matches decides: its priority is at least `min_priority`,
  its kind is in `kinds` and its camera in `cameras` (an empty list matches any). `target`
  `alarm_tiles` brings the camera into a tile the operator marked as alarm tile (a whole screen
  of them is an alarm screen); `any_unpinned` may also use any tile the operator did not pin.
  `[]` turns auto-pop off.
- `sounds`: off by default. A sound name per priority (`null`: silent); see `SOUND_NAMES`.
- `notifications`: a system notification for alerts of at least `min_priority` while no
  console window is in front.

A damaged file is kept beside and reported, never overwritten (see `console.base.jsonfile`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.base.jsonfile import FileFormatError, LoadResult, load_versioned, save_versioned
from console.hub.models import Alert, AlertKind, AlertPriority

KIND = "tessera.alerts"
VERSION = 1
SOUND_NAMES = ("chime", "alert", "siren")


class PopTarget:
    ALARM_TILES = "alarm_tiles"
    ANY_UNPINNED = "any_unpinned"
    ALL = (ALARM_TILES, ANY_UNPINNED)


@dataclass(frozen=True)
class PopRule:
    """Which alerts bring their camera onto the wall, and where to."""

    min_priority: AlertPriority = AlertPriority.HIGH
    kinds: frozenset[AlertKind] = frozenset()
    cameras: frozenset[str] = frozenset()
    target: str = PopTarget.ALARM_TILES

    def matches(self, alert: Alert) -> bool:
        return (
            alert.priority >= self.min_priority
            and (not self.kinds or alert.kind in self.kinds)
            and (not self.cameras or alert.camera_id in self.cameras)
        )


def _default_sounds() -> dict[AlertPriority, str | None]:
    return {
        AlertPriority.LOW: None,
        AlertPriority.MEDIUM: "chime",
        AlertPriority.HIGH: "alert",
        AlertPriority.CRITICAL: "siren",
    }


@dataclass(frozen=True)
class AlertSettings:
    auto_pop: tuple[PopRule, ...] = (PopRule(),)
    sounds_enabled: bool = False
    sounds: dict[AlertPriority, str | None] = field(default_factory=_default_sounds)
    notifications_enabled: bool = True
    notify_min_priority: AlertPriority = AlertPriority.MEDIUM

    def pop_rule(self, alert: Alert) -> PopRule | None:
        return next((r for r in self.auto_pop if r.matches(alert)), None)

    def sound_for(self, alert: Alert) -> str | None:
        """The sound an alert plays, or None (sounds off, or silent for its priority)."""
        return self.sounds.get(alert.priority) if self.sounds_enabled else None


def _priority(value: Any, where: str) -> AlertPriority:
    if not isinstance(value, str):
        raise FileFormatError(f'"{where}" must be one of low, medium, high, critical')
    try:
        return AlertPriority.parse(value)
    except ValueError:
        raise FileFormatError(
            f'"{where}" must be one of low, medium, high, critical, not "{value}"'
        ) from None


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FileFormatError(f'"{where}" must be a list of names')
    return value


def _rule(d: Any, where: str) -> PopRule:
    if not isinstance(d, dict):
        raise FileFormatError(f"{where} is not an object")
    kinds = set()
    for name in _strings(d.get("kinds", []), f"{where}.kinds"):
        try:
            kinds.add(AlertKind(name))
        except ValueError:
            known = ", ".join(k.value for k in AlertKind if k is not AlertKind.OTHER)
            raise FileFormatError(f'{where}: unknown kind "{name}"; use {known}') from None
    target = d.get("target", PopTarget.ALARM_TILES)
    if target not in PopTarget.ALL:
        raise FileFormatError(f'{where}: "target" must be one of {", ".join(PopTarget.ALL)}')
    return PopRule(
        _priority(d.get("min_priority", "high"), f"{where}.min_priority"),
        frozenset(kinds),
        frozenset(_strings(d.get("cameras", []), f"{where}.cameras")),
        target,
    )


def _section(doc: dict[str, Any], name: str) -> dict[str, Any]:
    value = doc.get(name, {})
    if not isinstance(value, dict):
        raise FileFormatError(f'"{name}" must be an object')
    return value


def _bool(d: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = d.get(key, default)
    if not isinstance(value, bool):
        raise FileFormatError(f'"{where}.{key}" must be true or false')
    return value


def parse(doc: dict[str, Any]) -> AlertSettings:
    rules_doc = doc.get("auto_pop", [{}])
    if not isinstance(rules_doc, list):
        raise FileFormatError('"auto_pop" must be a list of rules')
    rules = tuple(_rule(r, f"auto_pop rule {i + 1}") for i, r in enumerate(rules_doc))
    sounds_doc = _section(doc, "sounds")
    sounds = _default_sounds()
    by_priority = sounds_doc.get("by_priority", {})
    if not isinstance(by_priority, dict):
        raise FileFormatError('"sounds.by_priority" must be an object')
    for key, name in by_priority.items():
        priority = _priority(key, f"sounds.by_priority.{key}")
        if name is not None and name not in SOUND_NAMES:
            raise FileFormatError(
                f'"sounds.by_priority.{key}" must be one of {", ".join(SOUND_NAMES)} or null'
            )
        sounds[priority] = name
    notes = _section(doc, "notifications")
    return AlertSettings(
        auto_pop=rules,
        sounds_enabled=_bool(sounds_doc, "enabled", False, "sounds"),
        sounds=sounds,
        notifications_enabled=_bool(notes, "enabled", True, "notifications"),
        notify_min_priority=_priority(
            notes.get("min_priority", "medium"), "notifications.min_priority"
        ),
    )


def to_json(s: AlertSettings) -> dict[str, Any]:
    return {
        "auto_pop": [
            {
                "min_priority": r.min_priority.wire,
                "kinds": sorted(k.value for k in r.kinds),
                "cameras": sorted(r.cameras),
                "target": r.target,
            }
            for r in s.auto_pop
        ],
        "sounds": {
            "enabled": s.sounds_enabled,
            "by_priority": {p.wire: s.sounds.get(p) for p in AlertPriority},
        },
        "notifications": {
            "enabled": s.notifications_enabled,
            "min_priority": s.notify_min_priority.wire,
        },
    }


class AlertSettingsStore:
    """Loads and saves `alerts.json`. Blocking: run it in an executor from the GUI."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> LoadResult[AlertSettings]:
        return load_versioned(self.path, KIND, VERSION, parse, AlertSettings)

    def save(self, settings: AlertSettings) -> None:
        save_versioned(self.path, KIND, VERSION, to_json(settings))
