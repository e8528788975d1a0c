"""Apuri knowledge_base package."""
