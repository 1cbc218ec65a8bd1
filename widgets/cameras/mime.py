"""Drag-and-drop payloads shared by the camera tree and the wall."""

CAMERA_MIME = "application/x-tessera-camera"  # utf-8 camera id
TILE_MIME = "application/x-tessera-tile"  # utf-8 "<wall index>:<tile id>"
