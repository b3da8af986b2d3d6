"""Every web request runs in its audit context: its channel, its client's address, its user."""

from audit.context import audit_channel, client_address, request_channel


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = request_channel(request.path_info)
        with audit_channel(channel, address=client_address(request), request=request):
            return self.get_response(request)
