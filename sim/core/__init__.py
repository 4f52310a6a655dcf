"""Vocabulary every layer shares: months, actions, sources, errors, settings, random numbers."""
