"""The output viewer: decoded images, thumbnails, file cards, zoom and saving."""
