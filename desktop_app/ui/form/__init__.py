"""The parameter form: one editor per input of the chosen model's schema."""
