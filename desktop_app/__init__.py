"""Replicate Desktop: chat with and generate images from models hosted on Replicate."""

__version__ = "0.1.0"
