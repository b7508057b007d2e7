"""Dialogs and panels around the main window: settings, about, crash report, the token panel."""
