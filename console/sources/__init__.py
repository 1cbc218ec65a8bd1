"""Where the console's cameras come from: the configured sources (demo hub, Tessera hubs, ONVIF
cameras, RTSP camera lists), their credentials in the OS keyring, the connection test, and the
client that shows several sources as one hub. See README.md."""
