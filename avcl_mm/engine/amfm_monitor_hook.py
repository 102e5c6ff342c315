"""Watch the AMFM gate for collapse while training (AVCL Eq. 1-6)."""
from typing import Optional

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmaction.registry import HOOKS


@HOOKS.register_module()
class AMFMMonitorHook(Hook):
    """Log the health of the AMFM neck and warn once when it collapses.

    With the paper's literal reading (ReLU gate, uncentred CGRA on post-ReLU
    features) most gate channels of AMFM switch off for every clip within
    tens of steps (docs/amfm_readings.md): the neck's output is then mostly
    zero and never recovers. This hook makes that visible
    in the first epoch instead of after a multi-day run.

    It records, from every training forward of the neck, each gate channel's
    largest value and the per-channel sums that give ``diag(C)`` of Eq. 6;
    every ``interval`` iterations it reduces them over the window and over
    all processes, and puts two scalars in the message hub, which the
    ``LoggerHook`` prints and sends to the visualizer (TensorBoard, ...):

    - ``amfm_dead_share``: share of gate channels (video and audio gates
      together) that stayed at or below ``dead_threshold`` for every clip of
      the window. A ReLU gate channel that is zero for every input gets no
      gradient, so it stays dead.
    - ``cgra_diag_mean``: mean of ``diag(C)`` over the window's clips (centred
      when the model's CGRA loss is), 1 being perfect alignment.

    When the dead share exceeds ``warn_share`` a warning names the cause and
    the fix, once per run. Models without an AMFM neck are left alone.

    Args:
        interval (int): Iterations per window. Defaults to ``20``.
        dead_threshold (float): A gate at or below this value is off.
            Defaults to ``1e-6``.
        warn_share (float): Warn when more than this share is dead.
            Defaults to ``0.5``.
    """

    priority = 'NORMAL'  # before LoggerHook (BELOW_NORMAL) logs the window

    def __init__(self, interval: int = 20, dead_threshold: float = 1e-6,
                 warn_share: float = 0.5) -> None:
        if interval < 1:
            raise ValueError(f'AMFMMonitorHook: interval must be >= 1, got '
                             f'{interval}')
        if not 0 <= warn_share <= 1:
            raise ValueError('AMFMMonitorHook: warn_share must lie in [0, 1],'
                             f' got {warn_share}')
        self.interval = int(interval)
        self.dead_threshold = float(dead_threshold)
        self.warn_share = float(warn_share)
        self._handle = None
        self._center = False
        self._warned = False
        self._reset()

    # ------------------------------------------------------------------
    def _reset(self) -> None:
        self._gate_max: Optional[torch.Tensor] = None
        self._sums: Optional[torch.Tensor] = None

    def _record(self, neck, inputs, outputs) -> None:
        """Forward hook of the neck (training forwards only)."""
        if not neck.training:
            return
        (v, a), = inputs
        f_v, f_a = outputs
        with torch.no_grad():
            g_v, g_a = neck.gates(v.detach(), a.detach())
            gates = g_v.float().amax(dim=0)
            if g_a is not g_v:
                gates = torch.cat([gates, g_a.float().amax(dim=0)])
            self._gate_max = gates if self._gate_max is None else \
                torch.maximum(self._gate_max, gates)
            if f_v.shape == f_a.shape:
                x, y = f_v.detach().float(), f_a.detach().float()
                n = x.new_full((x.shape[1], ), float(x.shape[0]))
                sums = torch.stack([n, x.sum(0), y.sum(0), (x * x).sum(0),
                                    (y * y).sum(0), (x * y).sum(0)])
                self._sums = sums if self._sums is None else self._sums + sums

    def _diag_mean(self, sums: torch.Tensor) -> float:
        n, sx, sy, sxx, syy, sxy = sums
        if self._center:
            sxx, syy, sxy = sxx - sx * sx / n, syy - sy * sy / n, \
                sxy - sx * sy / n
        denom = (sxx.clamp_min(0) * syy.clamp_min(0)).sqrt()
        diag = torch.where(denom > 1e-12, sxy / denom.clamp_min(1e-12),
                           torch.zeros_like(sxy))
        return float(diag.mean())

    # ------------------------------------------------------------------
    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        neck = getattr(model, 'neck', None)
        from avcl_mm.models.necks.amfm import AMFM
        if not isinstance(neck, AMFM):
            runner.logger.info('AMFMMonitorHook: the model has no AMFM neck; '
                               'nothing to monitor.')
            return
        head = getattr(model, 'head', None)
        self._center = bool(getattr(getattr(head, 'loss_cor', None),
                                    'center', False))
        self._handle = neck.register_forward_hook(self._record)
        self._reset()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self._handle is None:
            return
        if not (self.every_n_train_iters(runner, self.interval)
                or self.is_last_train_iter(runner)):
            return
        if self._gate_max is None:  # no training forward in this window
            return
        gate_max = self._gate_max.clone()
        all_reduce(gate_max, op='max')
        dead = gate_max <= self.dead_threshold
        share = float(dead.float().mean())
        hub = runner.message_hub
        hub.update_scalar('train/amfm_dead_share', share)
        if self._sums is not None:
            sums = self._sums.clone()
            all_reduce(sums, op='sum')
            hub.update_scalar('train/cgra_diag_mean', self._diag_mean(sums))
        if share > self.warn_share and not self._warned:
            self._warned = True
            runner.logger.warning(
                '\n' + '!' * 72 + '\n'
                f'AMFM COLLAPSE at iteration {runner.iter + 1}: '
                f'{int(dead.sum())} of {dead.numel()} gate channels are off '
                f'for every clip (share {share:.2f} > {self.warn_share}).\n'
                'The fused features f_v, f_a are mostly zero and a dead gate '
                'gets no gradient, so this does not recover. The paper '
                "configs' reading keeps the gate alive (model.amfm_reading="
                "'sigmoid_signed': sigmoid gate on signed features, lr "
                '0.001; see docs/amfm_readings.md); stop this run or lower '
                'the lr.\n'
                + '!' * 72)
        self._reset()

    def after_train(self, runner) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None
