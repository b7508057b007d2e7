"""Benchmarks, run with ``make bench`` (``python -m bench``): every ``bench/core_*.py`` and ``bench/ui_*.py``
module that has a ``main()`` is run in turn. ``python -m bench core_latency`` runs only the named ones."""
