"""Apuri channels package."""
