"""The comparison window: one prompt put to 2–4 models at once, their replies side by side with their measures."""
