"""Settings of bench/api.py's server: the product's, with the bench URLconf (the product's URLs
plus the one-insert view the bench measures order intake against)."""

from oms.settings import *  # noqa: F403 (every setting as the product has it)

ROOT_URLCONF = "bench.api_urls"
