"""The operator watermark: who was watching, where and when, over video and in exports."""
