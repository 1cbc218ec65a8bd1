"""The application: the command line, the settings file, the embedded demo hub's process and the
composition root (`console_app.ConsoleApp`), which builds the core's services and wires the Qt
views to them."""
