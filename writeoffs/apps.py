from django.apps import AppConfig


class WriteoffsConfig(AppConfig):
    name = "writeoffs"
    verbose_name = "Write-offs"

    def ready(self):
        from writeoffs import system_checks  # noqa: F401 (registers the checks)
