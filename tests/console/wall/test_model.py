from console.wall.layout import Direction, preset
from console.wall.model import WallModel, WallState


def make_wall() -> WallModel:
    return WallModel(WallState(0, preset("3x3", [f"cam-{i}" for i in range(9)])))


def test_layout_signal_fires_once_the_model_is_consistent():
    wall = make_wall()
    seen = []
    wall.layout_changed.connect(lambda layout: seen.append((layout, wall.layout)))
    wall.swap(1, 2)
    assert len(seen) == 1
    emitted, current = seen[0]
    assert emitted is current
    assert emitted.tile(1).camera_id == "cam-1"


def test_nothing_is_emitted_when_nothing_changes():
    wall = make_wall()
    calls = []
    wall.layout_changed.connect(calls.append)
    wall.swap(3, 3)
    wall.set_layout(wall.layout)
    assert calls == []


def test_maximize_toggles_and_resets_when_the_preset_changes():
    wall = make_wall()
    events = []
    wall.maximized_changed.connect(events.append)
    wall.toggle_maximize(5)
    assert wall.maximized == 5
    wall.toggle_maximize(5)
    assert wall.maximized is None
    wall.toggle_maximize(2)
    wall.apply_preset("2x2")
    assert wall.maximized is None
    assert events == [5, None, 2, None]


def test_selection_moves_with_arrow_directions_and_survives_layout_change():
    wall = make_wall()
    wall.select(1)
    wall.select_neighbor(Direction.RIGHT)
    wall.select_neighbor(Direction.DOWN)
    assert wall.selected == wall.layout.tile_at(1, 1).id
    wall.select(9)
    wall.apply_preset("2x2")  # tile 9 is gone
    assert wall.selected == wall.layout.tiles[0].id


def test_ctrl_z_takes_back_the_last_wall_edits_in_order():
    wall = make_wall()
    start = wall.layout
    wall.apply_preset("2x2")
    wall.swap(1, 2)
    after_swap = wall.layout
    wall.assign(1, "cam-new")
    assert wall.undo() and wall.layout == after_swap
    assert wall.undo() and wall.undo() and wall.layout == start
    assert not wall.undo() and not wall.can_undo


def test_a_change_the_operator_did_not_make_is_not_undone():
    wall = make_wall()
    wall.swap(1, 2)
    filled = preset("2x2", ["a", "b", "c", "d"])
    wall.set_layout(filled, undoable=False)
    assert not wall.can_undo and not wall.undo() and wall.layout == filled
