"""Importing neighbourhood figures from CBS, GGD and home-made files.

read (reading) → recognise and check (layouts) → compare with the database (planning) →
write in one transaction (writing). `wijkdata.services.indicators_import` ties them up.
"""

from .problems import ImportRefused, Problem

__all__ = ["ImportRefused", "Problem"]
