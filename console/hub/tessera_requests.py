"""What the facet mixins of `TesseraHubClient` (audit, export, consent, masks) use of the client
itself, declared once for the type checker: the request helpers live in `tessera_api`, which
mixes these facets in, so a facet module cannot import them without a cycle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aiohttp
    from yarl import URL

    from console.hub.errors import HubError
    from console.hub.registry import HubConfig


class TesseraRequests:
    """Base of the facet mixins: the client's request helpers, as the type checker sees them."""

    if TYPE_CHECKING:
        config: HubConfig

        async def _request_json(
            self,
            method: str,
            segments: Sequence[str],
            body: Mapping[str, Any] | None = None,
            *,
            urgent: bool = False,
            query: Mapping[str, str] | None = None,
            extra_headers: Mapping[str, str] | None = None,
        ) -> object: ...

        def _get_session(self, *, urgent: bool = False) -> aiohttp.ClientSession: ...

        def _url(self, *segments: str) -> URL: ...

        def _auth_headers(self) -> tuple[dict[str, str], str | None]: ...

        def _map_client_error(self, exc: BaseException, what: str) -> HubError: ...

        def _http_error(
            self, status: int, body: bytes | bytearray, what: str, headers: Any = None
        ) -> HubError: ...
