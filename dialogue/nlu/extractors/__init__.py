"""Rule-based entity extractors. Each takes the text (and what it needs) and
returns ``Entity`` values with offsets into the original text."""
