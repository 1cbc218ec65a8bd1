"""What every view shares: the theme and safe display of text from a hub."""
