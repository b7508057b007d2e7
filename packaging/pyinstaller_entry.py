"""Entry script of the PyInstaller bundle: the same ``main()`` as the ``replicate-desktop`` console script.

PyInstaller needs a script file; ``desktop_app/__main__.py`` cannot be it, since its relative imports need the
package context.
"""

from __future__ import annotations

import sys

from desktop_app.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
