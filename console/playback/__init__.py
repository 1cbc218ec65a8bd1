"""Playback of recorded video: the timeline data, the playback clock."""
