"""A local stand-in for the Replicate HTTP API, faithful to docs/replicate-api.md.

    async with FakeReplicate(wait_window=2.0) as fake:
        fake.set_script("meta/meta-llama-3-70b-instruct", Script(chunks=["Hel", "lo"]))
        fake.fail_next("GET", r"/v1/predictions/\\w+", 503)
        fake.faults.add("stream", Reset(after_bytes=200), nth=1)   # any fault, per phase: see faults.py
        ...  # point the client at fake.base_url with fake.token; inspect fake.requests / fake.predictions

Standalone: `python -m tests.fake_replicate --port 8765`. Pytest fixture: `fake_replicate` in `pytest_plugin`.
"""

from .prediction import FakePrediction
from .recording import RecordedRequest
from .scripts import Script
from .server import TOKEN, FakeReplicate

__all__ = ["TOKEN", "FakePrediction", "FakeReplicate", "RecordedRequest", "Script"]
