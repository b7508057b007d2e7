"""A local stand-in for the Replicate HTTP API, faithful to docs/replicate-api.md."""
