"""ONVIF event notifications read as Tessera alerts: one parser per topic, found by a registry.

The ONVIF driver (`console.hub.onvif_driver`) pulls notifications from a camera's PullPoint
subscription, turns each into a plain `EventMessage` (topic, operation, the SimpleItems of its
Source, Key and Data, no zeep object) and asks `parse_event` what it means. Parsers register
per topic with `@parser("RuleEngine/CellMotionDetector/Motion", ...)`, as Home Assistant's
onvif integration does; topics are matched without their namespace prefixes ("tns1:",
"tnsaxis:"), since cameras choose their own. A topic nobody registered is skipped: `parse_event`
returns None and the caller notes it in an `EventSkipLog` (three lines a minute, then a count).

Every value here came from a camera and is untrusted: names are cleaned
(`console.base.safe_text.clean_text`) and bounded, and a message whose state cannot be read is
skipped like an unknown topic. No I/O and no vendor library: the module is tested on its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from console.base.safe_text import clean_text
from console.hub.models import AlertKind, AlertPriority
from console.hub.skip_log import SkipLog

log = logging.getLogger(__name__)

# The longest text kept of anything a camera names (rules, sources, objects).
MAX_NAME_CHARS = 128


@dataclass(frozen=True, slots=True)
class EventMessage:
    """One ONVIF notification, vendor-free: what the driver read out of the SOAP message.

    `topic` is the topic expression as the camera sent it ("tns1:VideoSource/MotionAlarm");
    `operation` the message's PropertyOperation ("Initialized", "Changed", "Deleted" or "");
    `source`, `key` and `data` the Name -> Value of the SimpleItems of those parts.
    """

    topic: str
    operation: str = ""
    time: datetime | None = None
    source: Mapping[str, str] = field(default_factory=dict)
    key: Mapping[str, str] = field(default_factory=dict)
    data: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    """What a notification means for the alarm book.

    `active`: the state the camera reports (True: going on, False: over); None for a pulse (a
    line was crossed: something that happened once, with no "over" message to follow).
    `source`: the token the camera names the video source or its configuration by (None when
    the message names none); `rule`: the analytics rule or input, part of what identifies the
    condition so two rules of one camera make two alerts.
    """

    kind: AlertKind
    priority: AlertPriority
    active: bool | None
    source: str | None
    rule: str
    label: str | None = None
    message: str = ""


Parser = Callable[[EventMessage], ParsedEvent | None]

_PARSERS: dict[str, Parser] = {}


def normalize_topic(topic: str) -> str:
    """`tns1:RuleEngine/tnsaxis:Foo/Bar` -> `RuleEngine/Foo/Bar` (prefixes are the camera's)."""
    parts = []
    for part in topic.strip().split("/"):
        _, _, local = part.rpartition(":")
        if local:
            parts.append(local)
    return "/".join(parts)


def parser(*topics: str) -> Callable[[Parser], Parser]:
    """Register the decorated function as the parser of `topics` (without prefixes)."""

    def register(fn: Parser) -> Parser:
        for topic in topics:
            key = normalize_topic(topic)
            if key in _PARSERS and _PARSERS[key] is not fn:
                raise ValueError(f"a parser for ONVIF topic {key!r} is already registered")
            _PARSERS[key] = fn
        return fn

    return register


def known_topics() -> frozenset[str]:
    return frozenset(_PARSERS)


class UnreadableEventError(ValueError):
    """A notification of a known topic whose content could not be read (says which part)."""


def parse_event(message: EventMessage) -> ParsedEvent | None:
    """What `message` means, or None when its topic has no parser (the caller logs the skip).

    Raises UnreadableEventError for a known topic whose state or names cannot be read.
    """
    fn = _PARSERS.get(normalize_topic(message.topic))
    if fn is None:
        return None
    return fn(message)


# -- reading values --------------------------------------------------------------------------


def _bool(message: EventMessage, *names: str) -> bool:
    for name in names:
        raw = message.data.get(name)
        if raw is None:
            continue
        value = raw.strip().lower()
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        raise UnreadableEventError(f"data {name}: not a boolean")
    raise UnreadableEventError(f"data: none of {', '.join(names)}")


def _name(value: str | None) -> str | None:
    if value is None:
        return None
    text = clean_text(value, MAX_NAME_CHARS)
    return text or None


def _source(message: EventMessage) -> str | None:
    """The video source (or its configuration) the message is about, as the camera names it."""
    for name in ("VideoSourceToken", "VideoSourceConfigurationToken", "Source", "VideoSource"):
        token = _name(message.source.get(name))
        if token is not None:
            return token
    return None


def _rule(message: EventMessage, *names: str) -> str:
    for name in (*names, "Rule", "RuleName", "InputToken", "RelayToken"):
        value = _name(message.source.get(name))
        if value is not None:
            return value
    return ""


def _state_event(
    message: EventMessage,
    kind: AlertKind,
    priority: AlertPriority,
    *state_names: str,
    label: str | None = None,
    what: str = "",
) -> ParsedEvent:
    rule = _rule(message)
    return ParsedEvent(
        kind=kind,
        priority=priority,
        active=_bool(message, *state_names),
        source=_source(message),
        rule=rule,
        label=label,
        message=f"{what} ({rule})" if what and rule else what,
    )


# -- the parsers -----------------------------------------------------------------------------


@parser("tns1:VideoSource/MotionAlarm")
def _motion_alarm(message: EventMessage) -> ParsedEvent:
    return _state_event(
        message, AlertKind.MOTION, AlertPriority.MEDIUM, "State", what="Motion alarm"
    )


@parser(
    "tns1:RuleEngine/CellMotionDetector/Motion",
    "tns1:RuleEngine/MotionRegionDetector/Motion",
)
def _cell_motion(message: EventMessage) -> ParsedEvent:
    return _state_event(
        message, AlertKind.MOTION, AlertPriority.MEDIUM, "IsMotion", "State", what="Motion"
    )


@parser(
    "tns1:VideoSource/GlobalSceneChange/ImagingService",
    "tns1:VideoSource/GlobalSceneChange/AnalyticsService",
    "tns1:VideoSource/GlobalSceneChange/RecordingService",
)
def _scene_change(message: EventMessage) -> ParsedEvent:
    return _state_event(
        message, AlertKind.TAMPER, AlertPriority.HIGH, "State", what="The picture changed"
    )


@parser(
    "tns1:VideoSource/ImageTooBlurry/ImagingService",
    "tns1:VideoSource/ImageTooBlurry/AnalyticsService",
    "tns1:VideoSource/ImageTooDark/ImagingService",
    "tns1:VideoSource/ImageTooDark/AnalyticsService",
    "tns1:VideoSource/ImageTooBright/ImagingService",
    "tns1:VideoSource/ImageTooBright/AnalyticsService",
)
def _image_quality(message: EventMessage) -> ParsedEvent:
    what = {
        "ImageTooBlurry": "The picture is too blurry",
        "ImageTooDark": "The picture is too dark",
        "ImageTooBright": "The picture is too bright",
    }[normalize_topic(message.topic).split("/")[1]]
    return _state_event(message, AlertKind.TAMPER, AlertPriority.HIGH, "State", what=what)


@parser("tns1:RuleEngine/TamperDetector/Tamper")
def _tamper(message: EventMessage) -> ParsedEvent:
    return _state_event(
        message, AlertKind.TAMPER, AlertPriority.HIGH, "IsTamper", "State", what="Tampering"
    )


@parser("tns1:VideoSource/SignalLoss")
def _signal_loss(message: EventMessage) -> ParsedEvent:
    return _state_event(
        message, AlertKind.VIDEO_LOSS, AlertPriority.HIGH, "State", what="Video signal lost"
    )


@parser("tns1:RuleEngine/LineDetector/Crossed")
def _line_crossed(message: EventMessage) -> ParsedEvent:
    # A pulse: the message says that something crossed (its ObjectId), never that it is over.
    if "ObjectId" not in message.data:
        raise UnreadableEventError("data ObjectId: missing")
    rule = _rule(message)
    return ParsedEvent(
        kind=AlertKind.LINE_CROSSING,
        priority=AlertPriority.HIGH,
        active=None,
        source=_source(message),
        rule=rule,
        message=f"Line crossed ({rule})" if rule else "Line crossed",
    )


@parser("tns1:RuleEngine/FieldDetector/ObjectsInside")
def _field(message: EventMessage) -> ParsedEvent:
    return _state_event(
        message,
        AlertKind.OBJECT,
        AlertPriority.HIGH,
        "IsInside",
        label="intrusion",
        what="Something entered a watched area",
    )


_OBJECT_LABELS = {
    "PeopleDetect": "person",
    "VehicleDetect": "vehicle",
    "FaceDetect": "face",
    "DogCatDetect": "animal",
    "Visitor": "visitor",
}


@parser(
    "tns1:RuleEngine/MyRuleDetector/PeopleDetect",
    "tns1:RuleEngine/MyRuleDetector/VehicleDetect",
    "tns1:RuleEngine/MyRuleDetector/FaceDetect",
    "tns1:RuleEngine/MyRuleDetector/DogCatDetect",
    "tns1:RuleEngine/MyRuleDetector/Visitor",
)
def _object_detect(message: EventMessage) -> ParsedEvent:
    label = _OBJECT_LABELS[normalize_topic(message.topic).rsplit("/", 1)[1]]
    return _state_event(message, AlertKind.OBJECT, AlertPriority.MEDIUM, "State", label=label)


@parser("tns1:RuleEngine/PeopleDetector/People")
def _people(message: EventMessage) -> ParsedEvent:
    return _state_event(
        message, AlertKind.OBJECT, AlertPriority.MEDIUM, "IsPeople", "State", label="person"
    )


@parser("tns1:Device/Trigger/DigitalInput")
def _digital_input(message: EventMessage) -> ParsedEvent:
    # An alarm input: a door contact, a panic button, a PIR. The camera does not say which.
    return _state_event(
        message,
        AlertKind.OTHER,
        AlertPriority.HIGH,
        "LogicalState",
        "State",
        what="Alarm input",
    )


# -- skipping without flooding the log -------------------------------------------------------


class EventSkipLog(SkipLog):
    """A `SkipLog` of notifications that also counts the unknown topics by name (`topics`, at
    most `max_topics` names)."""

    def __init__(
        self,
        prefix: str,
        *,
        burst: int = 3,
        window_s: float = 60.0,
        max_topics: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(prefix, burst=burst, window_s=window_s, clock=clock, logger=log)
        self._max_topics = max_topics
        self.topics: dict[str, int] = {}

    def note(self, topic: str, why: str = "") -> None:
        name = clean_text(topic, MAX_NAME_CHARS)
        if name in self.topics or len(self.topics) < self._max_topics:
            self.topics[name] = self.topics.get(name, 0) + 1
        super().note(f"{name}: {why}")
