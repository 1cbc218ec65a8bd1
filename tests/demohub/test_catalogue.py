from demohub.cameras import CAMERAS, catalogue


def test_more_cameras_repeat_scenes_under_their_own_ids_and_names():
    specs = catalogue(16)
    assert len(specs) == 16
    assert len({c.id for c in specs}) == 16 and len({c.name for c in specs}) == 16
    assert specs[:10] == CAMERAS
    assert specs[10].scene == CAMERAS[0].scene and specs[10].name == "Main Street (2)"


def test_fewer_cameras_are_a_prefix():
    assert catalogue(3) == CAMERAS[:3]
