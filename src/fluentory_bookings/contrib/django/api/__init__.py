"""The REST API (the optional ``fluentory-bookings[api]`` extra, on Django REST framework).

Nothing else in the app imports this package, so the app works without DRF installed. Hosts
include :mod:`.urls` under a prefix of their choice; authentication is the host's DRF setting.
Every view parses, authorizes exactly as the pages do, calls one service and renders.
"""
