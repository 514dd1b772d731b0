"""The Theil–Sen estimator, now at home in ``domain.trend`` (the SOH trend the API shares needs it there).

Re-exported so the rule modules' ``from detection.trend import ...`` keeps working; new code imports
``domain.trend``.
"""

from __future__ import annotations

from domain.trend import MAD_TO_SIGMA, LinearFit, median, theil_sen, theil_sen_slope

__all__ = ["MAD_TO_SIGMA", "LinearFit", "median", "theil_sen", "theil_sen_slope"]
