"""The steward\x27s counter: web pages over the library (see app.py)."""
