"""Base: what every part of the core stands on (signals, the marshal to the loop thread, owned
tasks, notices to the operator, redaction, safe text, JSON files, the stall monitor, the picture
time code). Imports nothing else of the console."""
