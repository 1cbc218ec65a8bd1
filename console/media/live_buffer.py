"""The live buffer's limits, for settings, saved layouts and the wall's Buffer box (without
importing the libvlc adapter that applies them).

The live buffer is libvlc's network caching for a wall. With late frames dropped (clock-jitter
0), a buffer shorter than what decoding and conversion take makes libvlc drop every frame and
repeat the first picture: measured here, 50 ms froze and 100 ms played, so 100 is the floor.
"""

LIVE_BUFFER_MIN_MS = 100
LIVE_BUFFER_MAX_MS = 10_000
DEFAULT_LIVE_BUFFER_MS = 150
