from PySide6.QtWidgets import QWidget

from widgets.wall.repaint_pacer import RepaintPacer


class CountingView(QWidget):
    """A real widget that records in which pacer pass it was painted."""

    def __init__(self, pacer: RepaintPacer, log: list[tuple[int, int]], number: int) -> None:
        super().__init__()
        self.resize(40, 30)
        self._pacer, self._log, self.number = pacer, log, number

    def paintEvent(self, event):
        self._log.append((self._pacer.passes, self.number))


def make_views(qtbot, count, per_pass):
    pacer = RepaintPacer(per_pass=per_pass)
    log: list[tuple[int, int]] = []
    views = [CountingView(pacer, log, n) for n in range(count)]
    for view in views:
        qtbot.addWidget(view)
        view.show()
        qtbot.waitExposed(view)
    qtbot.wait(50)
    log.clear()
    return pacer, views, log


def test_many_requests_are_served_a_few_per_pass_oldest_first(qtbot):
    pacer, views, log = make_views(qtbot, 10, per_pass=4)
    for view in views:
        pacer.request(view)
    pacer.request(views[0])  # asking again keeps the view's place, it does not paint twice
    assert pacer.waiting == 10
    qtbot.waitUntil(lambda: {n for _, n in log} == set(range(10)))
    assert pacer.passes == 3
    by_pass: dict[int, list[int]] = {}
    for passes, number in log:
        by_pass.setdefault(passes, []).append(number)
    assert [sorted(v) for _, v in sorted(by_pass.items())] == [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9],
    ]
    assert pacer.waiting == 0


def test_a_quiet_request_is_served_on_the_next_turn(qtbot):
    pacer, views, log = make_views(qtbot, 2, per_pass=4)
    pacer.request(views[1])
    qtbot.waitUntil(lambda: log == [(1, 1)])


def test_a_view_deleted_while_waiting_is_skipped(qtbot):
    pacer, views, log = make_views(qtbot, 3, per_pass=4)
    for view in views:
        pacer.request(view)
    pacer.forget(views[0])
    views[1].deleteLater()
    qtbot.wait(1)  # deleteLater runs; the pacer's turn comes after
    qtbot.waitUntil(lambda: pacer.waiting == 0)
    qtbot.wait(20)
    assert {n for _, n in log} <= {1, 2} and 2 in {n for _, n in log}
