"""asgard's HTTP layer: the only place (with :mod:`asgard.auth` and :mod:`asgard.testing`) that
imports httpx. Private: backends use it, users never see it."""
