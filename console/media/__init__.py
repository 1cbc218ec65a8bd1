"""Media: libvlc players for tiles (`player`, `engine`), their reaper, the live-feed health
machine (`feed`) and the frame seam (`frame`: the picture type, tile geometry and `RenderPath`).

Nothing is imported here, so that `console.media.frame` can be used (by the wall model and the
views) without loading the libvlc adapter.
"""
