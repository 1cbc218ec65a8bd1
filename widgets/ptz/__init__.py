"""PTZ: the PTZ panel and steering a camera from its tile."""
