"""The Qt-free core that runs predictions on Replicate and yields typed events.

Its public names are listed once, in ``__init__.pyi`` beside this file (the same scheme as scientific Python's
``lazy_loader`` stubs). Each is imported from its module on first use, so that the window can paint before
aiohttp is loaded.
"""

from ..lazy import lazy_face

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
