"""The "Train a model" feature: the wizard, the photos made ready with Qt, and the panel that follows a training."""
