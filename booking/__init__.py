"""Facility booking: resources, rules, availability and reservations (no Rasa, no HTTP)."""
