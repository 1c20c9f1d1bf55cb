"""A static results website over many runs (`harness site RESULTS_DIR OUT_DIR`)."""

from harness.site.build import SiteBuild, build_site

__all__ = ["SiteBuild", "build_site"]
