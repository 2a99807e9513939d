"""Text samplers that turn a model's logits into tokens."""

__all__: list[str] = []
