"""TaskOwner: tasks kept until they end, failures logged, close() cancels and waits."""

from __future__ import annotations

import asyncio
import logging

import pytest

from console.base.tasks import TaskOwner


def test_an_owner_keeps_its_tasks_until_they_end_and_closes_the_rest() -> None:
    async def body() -> None:
        owner = TaskOwner("unit")
        ended: list[str] = []

        async def quick() -> str:
            ended.append("quick")
            return "done"

        async def forever() -> None:
            try:
                await asyncio.sleep(3600)
            finally:
                ended.append("forever")

        done = owner.spawn(quick(), "quick")
        owner.spawn(forever(), "forever")
        assert await done == "done"
        await asyncio.sleep(0)
        assert len(owner) == 1  # the finished one is let go
        await owner.close()
        assert ended == ["quick", "forever"] and len(owner) == 0
        # After close nothing new runs: a task spawned during shutdown is cancelled at once.
        late = owner.spawn(quick(), "late")
        await asyncio.sleep(0)
        assert late.cancelled() and ended == ["quick", "forever"]

    asyncio.run(body())


def test_a_task_that_fails_is_logged_with_its_owner(caplog: pytest.LogCaptureFixture) -> None:
    async def body() -> None:
        owner = TaskOwner("alarm-book")

        async def broken() -> None:
            raise ValueError("bad snapshot")

        owner.spawn(broken(), "snapshot")
        await asyncio.sleep(0.01)
        await owner.close()

    with caplog.at_level(logging.ERROR, logger="console.base.tasks"):
        asyncio.run(body())
    assert "alarm-book: task snapshot failed" in caplog.text
    assert "bad snapshot" in caplog.text


def test_close_waits_at_most_its_timeout_for_a_task_that_ignores_cancel(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def body() -> None:
        owner = TaskOwner("stubborn")
        release = asyncio.Event()

        async def stubborn() -> None:
            while not release.is_set():
                try:
                    await release.wait()
                except asyncio.CancelledError:
                    continue  # swallows the cancel: a bug, which close() must survive

        task = owner.spawn(stubborn(), "stubborn")
        await asyncio.sleep(0)
        await owner.close(timeout_s=0.1)
        assert not task.done()
        release.set()
        await task

    with caplog.at_level(logging.WARNING, logger="console.base.tasks"):
        asyncio.run(body())
    assert "stubborn: task stubborn did not end when cancelled" in caplog.text
