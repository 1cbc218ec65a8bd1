"""The wall: the grid of tiles (`WallView`), one `TileView` per tile, and the clocks that pace
their painting."""
