"""Filters: the three VibeCode syntaxes read alike, checked against field metadata, sent as syntax 1.

compile_filter(raw, fields) -> Filter      raises InvalidArguments before any upstream call
Filter.upstream()                          syntax 1 for one call
Filter.branch_filters()                    one syntax-1 filter per `$or` branch
Filter.summary()                           the applied filter in one line, with item names
"""

from __future__ import annotations

from .merge import Condition
from .validate import Filter, compile_filter

__all__ = ["Condition", "Filter", "compile_filter"]
