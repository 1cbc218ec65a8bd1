"""The operator watermark painted over video."""
