"""Provenance and sharing badges, drawn the same way on tiles and in the camera tree."""
