"""Projection / prediction MLP of the self-supervised baselines."""
from typing import List

from mmaction.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class ProjectionMLP(nn.Module):
    """MLP mapping pooled features ``(N, C)`` to embeddings ``(N, D)``.

    The projector of SimCLR (https://arxiv.org/abs/2002.05709) and MoCo v2
    (https://arxiv.org/abs/2003.04297), and the projector / predictor of BYOL
    (https://arxiv.org/abs/2006.07733) and SimSiam
    (https://arxiv.org/abs/2011.10566), depending on the arguments. Each hidden
    layer is ``Linear → [BatchNorm1d] → ReLU``; the last layer is
    ``Linear → [BatchNorm1d]``. A Linear followed by BatchNorm has no bias.

    Args:
        in_channels (int): Channels ``C`` of the input features. Defaults to
            ``512``.
        hidden_channels (int): Channels of the hidden layers. Defaults to
            ``512``.
        out_channels (int): Channels ``D`` of the output embedding. Defaults
            to ``128``.
        num_layers (int): Number of Linear layers, ``>= 1`` (``1`` is a
            linear projection). Defaults to ``2``.
        with_bn (bool): Whether hidden layers use BatchNorm1d. Defaults to
            ``True``.
        last_bn (bool): Whether the output layer ends with BatchNorm1d (as
            SimSiam's projector). Defaults to ``False``.
    """

    def __init__(self,
                 in_channels: int = 512,
                 hidden_channels: int = 512,
                 out_channels: int = 128,
                 num_layers: int = 2,
                 with_bn: bool = True,
                 last_bn: bool = False) -> None:
        super().__init__()
        for name, value in (('in_channels', in_channels),
                            ('hidden_channels', hidden_channels),
                            ('out_channels', out_channels),
                            ('num_layers', num_layers)):
            if not isinstance(value, int) or isinstance(value, bool) or \
                    value < 1:
                raise ValueError(f'ProjectionMLP: {name} must be a positive '
                                 f'integer, got {value!r}.')
        self.in_channels = in_channels
        self.out_channels = out_channels
        layers: List[nn.Module] = []
        channels = in_channels
        for _ in range(num_layers - 1):
            layers.append(nn.Linear(channels, hidden_channels,
                                    bias=not with_bn))
            if with_bn:
                layers.append(nn.BatchNorm1d(hidden_channels))
            layers.append(nn.ReLU(inplace=True))
            channels = hidden_channels
        layers.append(nn.Linear(channels, out_channels, bias=not last_bn))
        if last_bn:
            layers.append(nn.BatchNorm1d(out_channels))
        self.mlp = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        """Project pooled features.

        Args:
            x (Tensor): Features of shape ``(N, C)``.

        Returns:
            Tensor: Embeddings of shape ``(N, D)``.
        """
        if x.dim() != 2 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'ProjectionMLP: expected pooled features of shape '
                f'(N, {self.in_channels}), got {tuple(x.shape)}. Pool the '
                'backbone output first or set in_channels to its channels.')
        return self.mlp(x)
