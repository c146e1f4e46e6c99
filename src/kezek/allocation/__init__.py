"""Allocating scarce places by a verifiable draw: pure functions, no database, no web.

``seed`` commits to the draw's randomness before applications open and orders applicants
from it afterwards; ``draw`` gives the places out in that order, with reserves for those
whose legal stay ends first and for priority groups.
"""
