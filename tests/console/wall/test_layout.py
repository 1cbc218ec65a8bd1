import pytest

from console.wall.layout import (
    PRESETS,
    CellRect,
    Direction,
    GridLayout,
    LayoutError,
    Tile,
    apply_preset,
    assign,
    can_merge,
    merge,
    neighbor,
    preset,
    split,
    swap,
)

CAMS = [f"cam-{i:02d}" for i in range(1, 17)]


@pytest.mark.parametrize(
    ("name", "grid", "count", "big"),
    [
        ("1x1", (1, 1), 1, (1, 1)),
        ("2x2", (2, 2), 4, (1, 1)),
        ("3x3", (3, 3), 9, (1, 1)),
        ("4x4", (4, 4), 16, (1, 1)),
        ("5x5", (5, 5), 25, (1, 1)),
        ("1+5", (3, 3), 6, (2, 2)),
        ("1+7", (4, 4), 8, (3, 3)),
        ("1+12", (4, 4), 13, (2, 2)),
    ],
)
def test_every_preset_covers_its_grid_with_the_right_tiles(name, grid, count, big):
    layout = preset(name, CAMS)
    assert (layout.columns, layout.rows) == grid
    assert len(layout.tiles) == count
    largest = max(layout.tiles, key=lambda t: t.rect.cols * t.rect.rows)
    assert (largest.rect.cols, largest.rect.rows) == big
    assert largest.camera_id == "cam-01"  # the first camera gets the big tile
    assert set(PRESETS) >= {name}


def test_custom_grid_size_and_bad_names():
    assert len(preset("6x4").tiles) == 24
    with pytest.raises(LayoutError, match="unknown layout"):
        preset("banana")
    with pytest.raises(LayoutError, match="between 1x1"):
        preset("9x9")


def test_layout_rejects_overlap_gaps_and_out_of_bounds():
    with pytest.raises(LayoutError, match="overlaps"):
        GridLayout(2, 1, (Tile(1, CellRect(0, 0, 2, 1)), Tile(2, CellRect(1, 0))))
    with pytest.raises(LayoutError, match="uncovered"):
        GridLayout(2, 1, (Tile(1, CellRect(0, 0)),))
    with pytest.raises(LayoutError, match="outside"):
        GridLayout(1, 1, (Tile(1, CellRect(0, 0, 2, 1)),))
    with pytest.raises(LayoutError, match="used twice"):
        GridLayout(2, 1, (Tile(1, CellRect(0, 0)), Tile(1, CellRect(1, 0))))


def test_assign_moves_a_camera_that_is_already_on_the_wall():
    layout = preset("2x2", CAMS[:2])
    moved = assign(layout, 4, "cam-01")
    assert moved.tile(4).camera_id == "cam-01"
    assert moved.tile(1).camera_id is None


def test_swap_exchanges_cameras_between_tiles():
    layout = swap(preset("2x2", CAMS[:4]), 1, 4)
    assert [t.camera_id for t in layout.tiles] == ["cam-04", "cam-02", "cam-03", "cam-01"]


def test_apply_preset_keeps_cameras_big_tile_first():
    layout = apply_preset(preset("1+5", CAMS[:6]), "2x2")
    assert [t.camera_id for t in layout.tiles] == CAMS[:4]
    back = apply_preset(layout, "1+7")
    assert back.tile_showing("cam-01").rect == CellRect(0, 0, 3, 3)


def test_merge_needs_whole_tiles_and_split_undoes_it():
    layout = preset("3x3", CAMS)
    span = CellRect(1, 1, 2, 2)
    assert can_merge(layout, span)
    merged = merge(layout, span)
    assert len(merged.tiles) == 6
    big = merged.tile_at(2, 2)
    assert big.rect == span and big.camera_id == "cam-05"
    assert not can_merge(merged, CellRect(0, 1, 2, 1))  # would cut the span in half
    with pytest.raises(LayoutError):
        merge(merged, CellRect(0, 1, 2, 1))
    back = split(merged, big.id)
    assert len(back.tiles) == 9
    assert back.tile_at(1, 1).camera_id == "cam-05"


def test_keyboard_neighbors_follow_the_grid_and_stop_at_edges():
    layout = preset("1+5", CAMS)
    big = layout.tile_at(0, 0).id
    assert neighbor(layout, big, Direction.RIGHT) == layout.tile_at(2, 1).id
    assert neighbor(layout, big, Direction.DOWN) == layout.tile_at(1, 2).id
    assert neighbor(layout, big, Direction.LEFT) == big
    corner = layout.tile_at(2, 2).id
    assert neighbor(layout, corner, Direction.UP) == layout.tile_at(2, 1).id
    assert neighbor(layout, corner, Direction.LEFT) == layout.tile_at(1, 2).id


# -- no wall edit drops a camera (issue 14) ------------------------------------------------------


def test_a_camera_dropped_on_an_occupied_tile_swaps_with_it_and_leaves_no_hole():
    layout = preset("2x2", CAMS[:4])
    dropped = assign(layout, 4, "cam-01")  # cam-01 from tile 1 onto cam-04's tile
    assert [t.camera_id for t in dropped.tiles] == ["cam-04", "cam-02", "cam-03", "cam-01"]
    assert dropped.hidden == ()


def test_a_camera_from_outside_hides_the_one_it_replaces_and_a_bigger_grid_brings_it_back():
    layout = assign(preset("2x2", CAMS[:4]), 2, "cam-09")
    assert layout.tile(2).camera_id == "cam-09" and layout.hidden == ("cam-02",)
    bigger = apply_preset(layout, "3x3")
    assert set(bigger.camera_ids()) == {*CAMS[:4], "cam-09"} and bigger.hidden == ()


def test_fewer_tiles_and_back_loses_no_camera():
    layout = preset("3x3", CAMS[:9])
    small = apply_preset(layout, "2x2")
    assert small.camera_ids() == CAMS[:4] and small.hidden == tuple(CAMS[4:9])
    back = apply_preset(small, "3x3")
    assert back.camera_ids() == CAMS[:9] and back.hidden == ()


def test_joining_hides_the_cameras_inside_and_splitting_brings_them_back():
    layout = preset("3x3", CAMS[:9])
    merged = merge(layout, CellRect(0, 0, 2, 2))
    assert merged.tile_at(0, 0).camera_id == "cam-01"
    assert merged.hidden == ("cam-02", "cam-04", "cam-05")
    back = split(merged, merged.tile_at(0, 0).id)
    assert sorted(back.camera_ids()) == sorted(CAMS[:9]) and back.hidden == ()


def test_clearing_a_tile_is_the_one_edit_that_lets_a_camera_go():
    from console.wall.layout import clear

    cleared = clear(preset("2x2", CAMS[:4]), 1)
    assert cleared.tile(1).camera_id is None and cleared.hidden == ()


def test_hidden_cameras_are_unique_not_on_a_tile_and_bounded():
    from console.wall.layout import MAX_HIDDEN

    layout = GridLayout(1, 1, (Tile(1, CellRect(0, 0), "a"),), ("a", "b", "b", "c"))
    assert layout.hidden == ("b", "c")
    many = GridLayout(1, 1, (Tile(1, CellRect(0, 0)),), tuple(f"x{i}" for i in range(100)))
    assert len(many.hidden) == MAX_HIDDEN and many.hidden[-1] == "x99"
