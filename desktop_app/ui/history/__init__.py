"""The history sidebar and what keeps it: the conversation list, the recorder, recovery on start."""
