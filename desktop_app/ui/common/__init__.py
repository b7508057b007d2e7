"""Small shared pieces the features use: widget helpers, task runners, translations."""
