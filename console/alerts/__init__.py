"""Alerts and alarms in the console: the alarm book, auto-pop rules, sounds and notices."""
