"""Several sources at once in the real console: the embedded demo hub beside a Tessera hub in a
process of its own, real libvlc, real sockets. One source down marks only its own tiles."""

from __future__ import annotations

from console.app.console_app import ConsoleApp, ConsoleOptions
from console.app.source_setup import demo_source
from console.media.feed import FeedStatus
from console.sources.model import SourceConfig, SourceKind
from console.sources.store import SourcesStore
from tests.e2e.conftest import wait_until
from tests.support.hubproc import HubProcess


def _tiles(app: ConsoleApp):
    return app.windows[0].wall_view.tile_views


def _live(view) -> bool:
    return (
        view.feed is not None and view.feed.state.status is FeedStatus.LIVE and view.has_shown_video
    )


def test_a_source_that_goes_down_marks_only_its_own_tiles(qloop, qapp, private_config_dir):
    north = HubProcess().start()
    try:
        SourcesStore(private_config_dir / "settings.json").save(
            [demo_source(), SourceConfig("north", SourceKind.TESSERA, north.url, label="North")]
        )

        async def scenario() -> None:
            app = ConsoleApp(ConsoleOptions(layout="2x2"), qapp)
            assert await app.start() == 0
            try:
                assert app.station is not None
                await wait_until(
                    lambda: (
                        app.directory is not None
                        and app.directory.get("north/cam-02") is not None
                        and app.directory.get("demo/cam-01") is not None
                    ),
                    30,
                    "both sources' cameras",
                )
                cameras = app.directory.cameras if app.directory else []
                assert {c.source for c in cameras} == {"Demo hub", "North"}
                wall = app.station.walls[0]
                first, second = wall.layout.tiles[0].id, wall.layout.tiles[1].id
                app.station.drop_camera(0, first, "demo/cam-01")
                app.station.drop_camera(0, second, "north/cam-02")
                await wait_until(
                    lambda: all(_live(v) for v in _tiles(app)[:2]), 40, "both tiles live"
                )
                demo_view, north_view = _tiles(app)[0], _tiles(app)[1]
                assert north_view.tile.camera_id == "north/cam-02"

                north.kill()
                await wait_until(
                    lambda: (
                        north_view.feed is not None
                        and north_view.feed.state.status is FeedStatus.SIGNAL_LOST
                    ),
                    10,
                    "the north tile's signal lost",
                )
                await wait_until(
                    lambda: any("North does not answer" in n.text for n in app.notices.items),
                    10,
                    "a notice naming the source",
                )
                # Only its own tile: the demo hub's plays on and no banner covers the wall.
                assert _live(demo_view)
                assert not app.windows[0].wall_view.hub_down

                north.start()
                await wait_until(lambda: _live(north_view), 40, "the north tile live again")
                await wait_until(
                    lambda: not any("North does not answer" in n.text for n in app.notices.items),
                    10,
                    "the notice withdrawn",
                )
            finally:
                await app.shutdown()

        qloop.run_until_complete(scenario())
    finally:
        north.stop()


def test_sources_applied_are_saved_and_the_console_restarts_on_them(
    qloop, qapp, private_config_dir
):
    async def scenario() -> None:
        app = ConsoleApp(ConsoleOptions(layout="1x1"), qapp)
        assert await app.start() == 0
        try:
            # No source configured: the dialog lists the demo hub, so adding keeps it.
            assert [s.kind for s in app.sources_for_editing()] == [SourceKind.DEMO]
            added = [*app.sources_for_editing(), SourceConfig("cams", SourceKind.RTSP, "x.json")]
            await app.apply_sources(added)
            assert not app.restart_requested  # only when the dialog closes
            app.restart_with_sources()
            assert app.restart_requested
        finally:
            await app.shutdown()
        loaded = SourcesStore(private_config_dir / "settings.json").load()
        assert [s.name for s in loaded.value] == ["demo", "cams"]

    qloop.run_until_complete(scenario())
