"""asgard's HTTP layer, private to the backends.

With :mod:`asgard.auth` and :mod:`asgard.testing`, the only place that imports httpx.
"""
