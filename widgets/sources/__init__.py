"""The Sources dialog: add, edit, test and remove the console's sources of cameras."""
