"""The chat pane: the transcript of a conversation and the prompt box."""
