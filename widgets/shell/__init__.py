"""The shell: the wall window with its toolbar, menus and docks."""
