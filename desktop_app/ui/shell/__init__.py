"""The window's frame and wiring: main window, controller, event loop, excepthook, theme, progress."""
