"""Latency: how far behind reality the picture is, read from the time code painted frames carry."""
