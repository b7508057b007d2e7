"""The mask painter: a black-and-white mask painted over a picture, for models with a mask input."""
