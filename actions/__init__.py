"""Apuri actions package."""
