"""Kết nạp: the candidate pipeline tracker. The application factory is `pipeline.app.create_app`."""
