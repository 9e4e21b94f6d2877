"""The REST API (/api/v1/): serializers, viewsets and their urls. Views call gallery.services
for every write and gallery.selectors for every read scoped to the user."""
