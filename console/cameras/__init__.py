"""Cameras: the directory of the hub's cameras (loaded, searched, kept when the hub is away)."""
