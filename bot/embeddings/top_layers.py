"""Fine-tunable copies of the encoder's top layers, continuing a forward pass from an inner layer.

The message is encoded once (``SentenceTransformerEmbedder.encode`` keeps every layer's
states). A model that needs the encoder adapted to its own task -- the sentiment branch, the
knowledge base's tuned encoder -- starts from the states after ``from_layer`` and runs its own
copies of the layers above, then mean-pools over the real tokens. The layers below are shared
and never change, so the only extra work per message is the copied layers.

The copies take the encoder's number format (bfloat16 when the Rasa server serves in it);
they are trained in float32 (``for_training``) and always pool and return float32.
"""

from __future__ import annotations

import copy
from typing import Any

from bot.embeddings.sentence_transformer import SentenceTransformerEmbedder


class TopLayers:
    """Copies of an encoder's layers ``from_layer+1 ..`` (torch), and mean pooling."""

    def __init__(self, layers: Any, config: Any, from_layer: int) -> None:
        self.layers = layers  # torch.nn.ModuleList
        self.config = config  # the encoder's Hugging Face config
        self.from_layer = from_layer

    @classmethod
    def copied(cls, embedder: SentenceTransformerEmbedder, from_layer: int) -> TopLayers:
        """Copies of ``embedder``'s layers above ``from_layer``; ValueError if out of range."""
        import torch

        auto_model = embedder.transformer
        layers = auto_model.encoder.layer
        if not 0 <= from_layer < len(layers):
            raise ValueError(f"from_layer must be 0..{len(layers) - 1}")
        top = torch.nn.ModuleList(copy.deepcopy(layers[i]) for i in range(from_layer, len(layers)))
        return cls(top, auto_model.config, from_layer)

    @property
    def dtype(self) -> Any:
        return next(self.layers.parameters()).dtype

    def for_training(self) -> None:
        """Train in float32 whatever format the encoder serves in."""
        self.layers.float()

    def pooled(self, hidden: Any, mask: Any) -> Any:
        """Run the copied layers on ``hidden`` (texts, tokens, hidden) and mean-pool by ``mask``."""
        from transformers.masking_utils import create_bidirectional_mask

        hidden = hidden.to(self.dtype)
        attention = create_bidirectional_mask(
            config=self.config, inputs_embeds=hidden, attention_mask=mask
        )
        for layer in self.layers:
            hidden = layer(hidden, attention_mask=attention)
            if isinstance(hidden, tuple):
                hidden = hidden[0]
        hidden = hidden.float()
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)

    def parameters(self) -> Any:
        return self.layers.parameters()

    def train(self) -> None:
        self.layers.train()

    def eval(self) -> None:
        self.layers.eval()

    def state(self, prefix: str) -> dict[str, Any]:
        """The layers' tensors, keys prefixed (for one safetensors file with other parts)."""
        return {f"{prefix}{k}": v.contiguous() for k, v in self.layers.state_dict().items()}

    def load_state(self, state: dict[str, Any], prefix: str) -> None:
        self.layers.load_state_dict(
            {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
        )
        self.layers.eval()
