"""Two-stream recognizer with momentum (EMA) target networks: MoCo, BYOL."""
import copy
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmaction.registry import MODELS

from avcl_mm.models.utils.momentum import cosine_momentum, momentum_update
from avcl_mm.models.utils.recognizer_utils import global_pool, pair_views
from .audio_visual_recognizer import AudioVisualRecognizer

# online module (attribute of the recognizer) -> its EMA copy in `momentum`
_ONLINE = ('video_backbone', 'audio_backbone', 'proj_v', 'proj_a', 'neck')


@MODELS.register_module()
class MomentumAVRecognizer(AudioVisualRecognizer):
    """:class:`AudioVisualRecognizer` that keeps momentum copies of its
    encoders and of the SSL head's projector, for the MoCo
    (https://arxiv.org/abs/1911.05722) and BYOL
    (https://arxiv.org/abs/2006.07733) comparison methods of AVCL.

    The copies live in ``self.momentum`` (an ``nn.ModuleDict``; checkpoint
    keys ``momentum.video_backbone.*``, ``momentum.audio_backbone.*``,
    ``momentum.projector.*``, ...), never receive gradients and follow the
    online weights ``θ_t ← m θ_t + (1 − m) θ_o`` at every training forward
    pass, before the targets are computed (as MoCo's key encoder). The
    projector copy has no predictor. In ``train_mode='ssl'`` the momentum
    projections ``(t_v, t_a)`` of the same clips are handed to the head as
    ``targets``. Finetuning uses a plain ``AudioVisualRecognizer``: loading
    the checkpoint there takes the online ``video_backbone`` /
    ``audio_backbone`` and ignores ``momentum.*`` and ``ssl_head.*``.
    With gradient accumulation the EMA steps once per forward pass.

    Args:
        *args: Arguments of :class:`AudioVisualRecognizer`.
        momentum (float): EMA momentum ``m`` in ``[0, 1]`` (its start value
            for the cosine schedule). Defaults to ``0.999``.
        momentum_schedule (str): ``'constant'`` (MoCo) or ``'cosine'``
            (BYOL: ``m`` rises to 1 over training; reads ``iter`` and
            ``max_iters`` from mmengine's ``MessageHub``, constant ``m``
            outside a Runner). Defaults to ``'constant'``.
        **kwargs: Keyword arguments of :class:`AudioVisualRecognizer`.
    """

    def __init__(self,
                 *args,
                 momentum: float = 0.999,
                 momentum_schedule: str = 'constant',
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(momentum, (int, float)) or \
                not 0.0 <= momentum <= 1.0:
            raise ValueError('MomentumAVRecognizer: momentum must be in '
                             f'[0, 1], got {momentum!r}.')
        if momentum_schedule not in ('constant', 'cosine'):
            raise ValueError("MomentumAVRecognizer: momentum_schedule must be "
                             f"'constant' or 'cosine', got "
                             f'{momentum_schedule!r}.')
        if self.train_mode == 'ssl' and self.cgra_stages:
            raise ValueError('MomentumAVRecognizer: cgra_stages are not '
                             'supported (AVCL option).')
        self.base_momentum = float(momentum)
        self.momentum_schedule = momentum_schedule
        self.momentum = nn.ModuleDict()
        for name in _ONLINE:
            module = getattr(self, name, None)
            if module is not None:
                self.momentum[name] = copy.deepcopy(module)
        projector = getattr(self.ssl_head, 'projector', None)
        if projector is not None:
            target = copy.deepcopy(projector)
            for name in ('video_predictor', 'audio_predictor'):
                if getattr(target, name, None) is not None:
                    setattr(target, name, None)  # BYOL: no target predictor
            self.momentum['projector'] = target
        for param in self.momentum.parameters():
            param.requires_grad_(False)

    def _pairs(self):
        """``(online, target)`` module pairs, matched by name."""
        for name, target in self.momentum.items():
            online = self.ssl_head.projector if name == 'projector' \
                else getattr(self, name)
            yield online, target

    @torch.no_grad()
    def update_momentum(self, m: Optional[float] = None) -> None:
        """EMA step of every momentum copy (``m=0`` copies the weights)."""
        m = self.current_momentum() if m is None else m
        for online, target in self._pairs():
            momentum_update(online, target, m)

    def current_momentum(self) -> float:
        """Momentum of this iteration (see ``momentum_schedule``)."""
        if self.momentum_schedule == 'constant':
            return self.base_momentum
        try:
            hub = MessageHub.get_current_instance()
        except RuntimeError:  # no MessageHub yet: not inside a Runner
            return self.base_momentum
        cur, total = hub.get_info('iter'), hub.get_info('max_iters')
        if cur is None or not total:
            return self.base_momentum
        return cosine_momentum(self.base_momentum, min(int(cur), total),
                               int(total))

    def init_weights(self) -> None:
        """Initialise the online modules, then copy them to the targets."""
        super().init_weights()
        self.update_momentum(0.0)

    @torch.no_grad()
    def momentum_targets(self, inputs: Dict[str, torch.Tensor]
                         ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Momentum projections ``(t_v, t_a)``, each ``(N * V, D)``, of the
        clips in ``inputs`` (same view pairing as the online branch)."""
        t = self.momentum
        n = inputs['imgs'].shape[0]
        v = global_pool(self.encode_video(
            t['video_backbone'],
            self._flatten(inputs, 'imgs', '(N, V, C, T, H, W)'))[-1],
            self.feat_pool)
        encoder = t['video_backbone'] if self.share_backbone \
            else t['audio_backbone']
        a = global_pool(
            self.encode_audio(encoder, self.flat_audio(inputs))[-1],
            self.feat_pool)
        v, a, _ = pair_views(v, a, n)
        if 'proj_v' in t:
            v, a = t['proj_v'](v), t['proj_a'](a)
        if 'neck' in t:
            v, a = t['neck']((v, a))
        if 'projector' in t:
            v, a = t['projector']((v, a))
        return v, a

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """SSL loss against the momentum targets (``train_mode='ssl'``), or
        the classification loss of :class:`AudioVisualRecognizer`."""
        if self.train_mode != 'ssl':
            return super().loss(inputs, data_samples)
        self._check_ssl_views(inputs)
        if self.training:
            self.update_momentum()
        v, a, _, _ = self._features(inputs)
        targets = self.momentum_targets(inputs)
        return self.ssl_head.loss(v, a, data_samples, targets=targets)
