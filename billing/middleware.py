"""Pages and API answers carry billing data: no browser or proxy may keep a copy.

Without this, Back shows a page's balances as they were when it was first loaded, and a shared
computer keeps them in its cache after sign-out. Static files are served before this runs
(WhiteNoise comes first) and keep their long cache lifetimes.
"""

from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response:
            add_never_cache_headers(response)
        # Also where a view set its own Cache-Control: no page or answer of ours may be kept.
        patch_cache_control(response, no_store=True)
        return response
