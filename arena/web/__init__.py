"""`arena web`: a read-only dashboard over the store (aiohttp, Jinja templates, uPlot)."""
