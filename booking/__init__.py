"""Facility booking: resources, rules, availability and reservations, independent of Rasa and HTTP."""
