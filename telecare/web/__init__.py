"""Telecare's web part: the resident's call pages, the nurse console and the signaling
socket, mounted on the gateway by `telecare.web.app.add_routes`."""
