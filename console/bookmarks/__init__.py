"""Bookmarks of moments in the video: journaled locally first, then kept on the hub."""
