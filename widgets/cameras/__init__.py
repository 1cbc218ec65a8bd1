"""Cameras: the camera tree and the drag-and-drop format for cameras."""
