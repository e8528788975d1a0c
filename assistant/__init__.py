"""Apuri assistant package."""
