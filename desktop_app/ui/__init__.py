"""The Qt widgets of Replicate Desktop: the only package that imports PySide6 or qasync."""
