"""Residents' identity, keys, consents and masking: what every capability needs to
know about the person asking."""
