"""Provenance: camera vendors checked against a list of vendors named in restrictions."""
