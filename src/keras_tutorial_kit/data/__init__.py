"""The tutorial's data loaders."""

__all__: list[str] = []
