"""A FAKE ONVIF camera with an events service, for the ONVIF driver's event tests.

Why a fake: no third-party ONVIF device with an events service can run here (ipycam, the one
ONVIF device in the registries, has none; see /work/shared/PLATFORM.md "ONVIF events"). So this
small aiohttp server on 127.0.0.1 answers the operations the driver uses, and nothing else:

- device service: GetServices, GetCapabilities, GetDeviceInformation, GetScopes;
- media service: GetProfiles (one video source, one H.264 profile);
- events service: CreatePullPointSubscription; on the subscription's own address PullMessages
  (long-polled: it answers as soon as a message is pushed, or after the request's Timeout),
  Renew and Unsubscribe.

Its answers are not hand-written SOAP: each is serialized by zeep from the operation's output
message in the WSDLs that onvif-zeep-async ships (`onvif/wsdl/*.wsdl`), so they are the
envelopes those WSDLs define, and the driver reads them through the same library code as a
camera's. Only the SOAP faults (which are not operation outputs) are written out here.

    async with OnvifEventsFake() as cam:
        cam.push("tns1:RuleEngine/CellMotionDetector/Motion", data={"IsMotion": "true"})
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import onvif
import zeep
from aiohttp import web
from lxml import etree
from onvif.settings import DEFAULT_SETTINGS

WSDL_DIR = Path(onvif.__file__).parent / "wsdl"
TT = "http://www.onvif.org/ver10/schema"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
DIALECT = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
NS = {
    "device": "http://www.onvif.org/ver10/device/wsdl",
    "media": "http://www.onvif.org/ver10/media/wsdl",
    "events": "http://www.onvif.org/ver10/events/wsdl",
}
SOURCE_TOKEN = "VS_1"
SOURCE_CONFIG_TOKEN = "VSC_1"


@functools.cache
def _bindings() -> dict[str, Any]:
    """The zeep bindings of the shipped WSDLs (parsed once per test process)."""
    device = zeep.Client(str(WSDL_DIR / "devicemgmt.wsdl"), settings=DEFAULT_SETTINGS).wsdl
    media = zeep.Client(str(WSDL_DIR / "media.wsdl"), settings=DEFAULT_SETTINGS).wsdl
    events = zeep.Client(str(WSDL_DIR / "events.wsdl"), settings=DEFAULT_SETTINGS).wsdl
    return {
        "device": device.bindings[f"{{{NS['device']}}}DeviceBinding"],
        "media": media.bindings[f"{{{NS['media']}}}MediaBinding"],
        "events": events.bindings[f"{{{NS['events']}}}EventBinding"],
        "pullpoint": events.bindings[f"{{{NS['events']}}}PullPointSubscriptionBinding"],
        "manager": events.bindings[f"{{{NS['events']}}}SubscriptionManagerBinding"],
    }


def _fault(reason: str, subcode: str = "ter:ActionNotSupported", *, sender: bool = False) -> str:
    code = "env:Sender" if sender else "env:Receiver"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="{SOAP12}" '
        'xmlns:ter="http://www.onvif.org/ver10/error"><env:Body><env:Fault>'
        f"<env:Code><env:Value>{code}</env:Value><env:Subcode><env:Value>{subcode}</env:Value>"
        f'</env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">{reason}</env:Text>'
        "</env:Reason></env:Fault></env:Body></env:Envelope>"
    )


def notification_element(
    operation: str,
    source: Mapping[str, str],
    data: Mapping[str, str],
    key: Mapping[str, str] | None = None,
    utc: dt.datetime | None = None,
) -> Any:
    """A tt:Message element as cameras put it into a NotificationMessage."""
    when = (utc or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    message = etree.Element(
        f"{{{TT}}}Message", UtcTime=when, PropertyOperation=operation, nsmap={"tt": TT}
    )
    for part, items in (("Source", source), ("Key", key or {}), ("Data", data)):
        if part == "Key" and not items:
            continue
        element = etree.SubElement(message, f"{{{TT}}}{part}")
        for name, value in items.items():
            etree.SubElement(element, f"{{{TT}}}SimpleItem", Name=name, Value=value)
    return message


def video_profile(
    token: str = "Profile_1",
    source: str = SOURCE_TOKEN,
    width: int = 640,
    height: int = 360,
) -> dict[str, Any]:
    """A media profile as GetProfiles lists it (video source, H.264 encoder)."""
    return {
        "token": token,
        "fixed": True,
        "Name": token,
        "VideoSourceConfiguration": {
            "token": SOURCE_CONFIG_TOKEN,
            "Name": "source",
            "UseCount": 1,
            "SourceToken": source,
            "Bounds": {"x": 0, "y": 0, "width": width, "height": height},
        },
        "VideoEncoderConfiguration": {
            "token": f"VEC_{token}",
            "Name": "h264",
            "UseCount": 1,
            "Encoding": "H264",
            "Resolution": {"Width": width, "Height": height},
            "Quality": 5.0,
            "RateControl": {"FrameRateLimit": 10, "EncodingInterval": 1, "BitrateLimit": 512},
            "Multicast": {
                "Address": {"Type": "IPv4", "IPv4Address": "0.0.0.0"},
                "Port": 0,
                "TTL": 1,
                "AutoStart": False,
            },
            "SessionTimeout": "PT60S",
        },
    }


class OnvifEventsFake:
    """The fake camera (see the module doc). `url` is its device service's `http://host:port`.

    Counters for the tests: `subscriptions`, `pulls`, `renewals`, `unsubscribes`. Knobs:
    `with_events` (False: no events service advertised), `expire_subscription()` (the next
    PullMessages answers a fault, as a camera does for a subscription it dropped).
    """

    def __init__(
        self,
        *,
        with_events: bool = True,
        name: str = "Fake events camera",
        profiles: list[dict[str, Any]] | None = None,
    ) -> None:
        self.with_events = with_events
        self.name = name
        # None: one H.264 profile (`video_profile()`); a list: exactly these (hostile ones too).
        self.profiles = profiles
        self.subscriptions = 0
        self.pulls = 0
        self.renewals = 0
        self.unsubscribes = 0
        self._queue: list[Any] = []
        self._pushed = asyncio.Event()
        self._expired = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def push(
        self,
        topic: str,
        *,
        data: Mapping[str, str],
        source: Mapping[str, str] | None = None,
        operation: str = "Changed",
        key: Mapping[str, str] | None = None,
    ) -> None:
        """Queue one notification for the next PullMessages."""
        if source is None:
            source = {"VideoSourceConfigurationToken": SOURCE_CONFIG_TOKEN}
        self._queue.append(
            {
                "Topic": {"_value_1": topic, "Dialect": DIALECT},
                "Message": {"_value_1": notification_element(operation, source, data, key)},
            }
        )
        self._pushed.set()

    def expire_subscription(self) -> None:
        self._expired = True
        self._pushed.set()

    async def __aenter__(self) -> OnvifEventsFake:
        await asyncio.to_thread(_bindings)  # WSDL parsing: not on the test's loop
        app = web.Application()
        app.router.add_post("/onvif/{service}", self._handle)
        app.router.add_post("/onvif/subscription/{n}", self._handle_subscription)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server: Any = site._server
        assert server is not None
        self.port = int(server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- SOAP plumbing

    @staticmethod
    def _operation(body: bytes) -> str:
        root = etree.fromstring(body)
        envelope_body = root.find(f"{{{SOAP12}}}Body")
        if envelope_body is None or len(envelope_body) == 0:
            return ""
        return str(etree.QName(envelope_body[0]).localname)

    @staticmethod
    def _answer(binding: str, operation: str, **values: Any) -> web.Response:
        message = _bindings()[binding].get(operation).output.serialize(**values)
        return web.Response(
            body=etree.tostring(message.content, xml_declaration=True, encoding="utf-8"),
            content_type="application/soap+xml",
        )

    @staticmethod
    def _refuse(reason: str, subcode: str = "ter:ActionNotSupported") -> web.Response:
        return web.Response(
            status=500, text=_fault(reason, subcode), content_type="application/soap+xml"
        )

    async def _handle(self, request: web.Request) -> web.Response:
        service = request.match_info["service"]
        operation = self._operation(await request.read())
        handler = getattr(self, f"_{service}_{operation}", None)
        if handler is None:
            return self._refuse(f"Action not supported: {operation}")
        response: web.Response = await handler()
        return response

    # -- device service

    def _xaddr(self, service: str) -> str:
        return f"{self.url}/onvif/{service}"

    async def _device_service_GetServices(self) -> web.Response:
        services: list[dict[str, Any]] = [
            {"Namespace": NS["device"], "XAddr": self._xaddr("device_service")},
            {"Namespace": NS["media"], "XAddr": self._xaddr("media_service")},
        ]
        if self.with_events:
            services.append({"Namespace": NS["events"], "XAddr": self._xaddr("events_service")})
        for service in services:
            service["Version"] = {"Major": 2, "Minor": 6}
        return self._answer("device", "GetServices", Service=services)

    async def _device_service_GetCapabilities(self) -> web.Response:
        caps: dict[str, Any] = {
            "Device": {"XAddr": self._xaddr("device_service")},
            "Media": {"XAddr": self._xaddr("media_service")},
        }
        if self.with_events:
            caps["Events"] = {
                "XAddr": self._xaddr("events_service"),
                "WSSubscriptionPolicySupport": False,
                "WSPullPointSupport": True,
                "WSPausableSubscriptionManagerInterfaceSupport": False,
            }
        return self._answer("device", "GetCapabilities", Capabilities=caps)

    async def _device_service_GetDeviceInformation(self) -> web.Response:
        return self._answer(
            "device",
            "GetDeviceInformation",
            Manufacturer="Tessera Fakes",
            Model="EVT-1",
            FirmwareVersion="0.1",
            SerialNumber="FAKE-1",
            HardwareId="FAKE",
        )

    async def _device_service_GetScopes(self) -> web.Response:
        return self._answer(
            "device",
            "GetScopes",
            Scopes=[
                {
                    "ScopeDef": "Configurable",
                    "ScopeItem": f"onvif://www.onvif.org/name/{self.name.replace(' ', '_')}",
                }
            ],
        )

    # -- media service

    async def _media_service_GetProfiles(self) -> web.Response:
        profiles = [video_profile()] if self.profiles is None else self.profiles
        return self._answer("media", "GetProfiles", Profiles=profiles)

    # -- events service

    async def _events_service_CreatePullPointSubscription(self) -> web.Response:
        self.subscriptions += 1
        self._expired = False
        now = dt.datetime.now(dt.timezone.utc)
        address = {"Address": {"_value_1": f"{self.url}/onvif/subscription/{self.subscriptions}"}}
        return self._answer(
            "events",
            "CreatePullPointSubscription",
            SubscriptionReference=address,
            CurrentTime=now,
            TerminationTime=now + dt.timedelta(seconds=60),
        )

    async def _handle_subscription(self, request: web.Request) -> web.Response:
        operation = self._operation(await request.read())
        now = dt.datetime.now(dt.timezone.utc)
        later = now + dt.timedelta(seconds=60)
        if str(self.subscriptions) != request.match_info["n"]:
            return self._refuse("no such subscription", "ter:InvalidArgVal")
        if operation == "PullMessages":
            self.pulls += 1
            if not self._queue and not self._expired:
                self._pushed.clear()
                # The driver asks for a short Timeout; answer when something is pushed.
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._pushed.wait(), 1.0)
            if self._expired:
                return self._refuse("subscription expired", "ter:InvalidArgVal")
            messages, self._queue = self._queue, []
            return self._answer(
                "pullpoint",
                "PullMessages",
                CurrentTime=now,
                TerminationTime=later,
                NotificationMessage=messages,
            )
        if operation == "Renew":
            self.renewals += 1
            return self._answer("manager", "Renew", TerminationTime=later, CurrentTime=now)
        if operation == "Unsubscribe":
            self.unsubscribes += 1
            return self._answer("manager", "Unsubscribe")
        return self._refuse(f"Action not supported: {operation}")
