"""jinshu (晋数): Shanxi's digital-economy incentive policies as code."""

__version__ = "0.1.0"
