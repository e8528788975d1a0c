"""Apuri telecare package."""
