"""Alarms: the alarm list, the replay pane, the overlays drawn on tiles, desktop notifications."""
