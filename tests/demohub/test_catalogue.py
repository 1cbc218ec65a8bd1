from demohub.cameras import CAMERAS, PRIVATE_CAMERAS, PUBLIC_CAMERAS, catalogue


def test_more_cameras_repeat_scenes_under_their_own_ids_and_names():
    specs = catalogue(16)
    assert len(specs) == 16
    assert len({c.id for c in specs}) == 16 and len({c.name for c in specs}) == 16
    assert specs[:10] == PUBLIC_CAMERAS
    assert specs[10].scene == CAMERAS[0].scene and specs[10].name == "Main Street (2)"


def test_fewer_cameras_are_a_prefix():
    assert catalogue(3) == CAMERAS[:3]


def test_private_cameras_follow_the_public_ones_and_copies():
    specs = catalogue(12, private=True)
    assert specs[12:] == PRIVATE_CAMERAS
    assert all(c.sharing is None for c in specs[:12])
