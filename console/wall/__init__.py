"""The wall model: layouts in integer grid cells, one wall per screen, saved named layouts."""
