"""Video: painting a decoded frame into a tile."""
