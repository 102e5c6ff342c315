"""Run a tool (e.g. tools/train.py) with a fault injected, for the tests.

    python tests/reliability/fault_inject.py [--copy-to PATH] FAULT \
        tools/train.py ARGS...

FAULT is one of

- ``hang-on-save=N``: the N-th checkpoint write (``torch.save``) puts half
  of its bytes on disk, prints ``FAULT: checkpoint half written`` and hangs
  (the test kills it). With ``--copy-to PATH`` (before FAULT) the complete
  bytes of that checkpoint are first written to PATH: what the uninterrupted
  run would have saved;
- ``nan-loss=I,J,...``: ``SelfCLLoss`` returns NaN at the given (1-based)
  training iterations, as a diverging loss would.
"""
import io
import os.path as osp
import runpy
import sys
import time


def hang_on_save(nth: int, copy_to=None) -> None:
    import torch
    real_save = torch.save
    calls = [0]

    def half_then_hang(obj, f, *args, **kwargs):
        calls[0] += 1
        if calls[0] != nth:
            return real_save(obj, f, *args, **kwargs)
        buffer = io.BytesIO()
        real_save(obj, buffer, *args, **kwargs)
        data = buffer.getvalue()
        if copy_to:
            with open(copy_to, 'wb') as whole:
                whole.write(data)
        if isinstance(f, (str, bytes)) or hasattr(f, '__fspath__'):
            f = open(f, 'wb')
        f.write(data[:len(data) // 2])
        f.flush()
        print('FAULT: checkpoint half written', flush=True)
        time.sleep(3600)

    torch.save = half_then_hang


def nan_loss(iterations) -> None:
    import torch
    from mmengine.logging import MessageHub

    from avcl_mm.models.losses.selfcl_loss import SelfCLLoss
    real_forward = SelfCLLoss.forward

    def forward(self, f_v, f_a):
        loss = real_forward(self, f_v, f_a)
        it = MessageHub.get_current_instance().get_info('iter', -1) + 1
        if self.training and it in iterations:
            print(f'FAULT: NaN loss at iteration {it}', flush=True)
            return loss * torch.tensor(float('nan'))
        return loss

    SelfCLLoss.forward = forward


def main() -> None:
    argv, copy_to = sys.argv[1:], None
    if argv[0] == '--copy-to':
        copy_to, argv = argv[1], argv[2:]
    fault, tool, args = argv[0], argv[1], argv[2:]
    repo = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
    sys.path.insert(0, repo)
    if fault.startswith('hang-on-save='):
        hang_on_save(int(fault.split('=', 1)[1]), copy_to)
    elif fault.startswith('nan-loss='):
        nan_loss({int(i) for i in fault.split('=', 1)[1].split(',')})
    else:
        raise SystemExit(f'unknown fault {fault!r}')
    sys.argv = [tool, *args]
    runpy.run_path(tool, run_name='__main__')


if __name__ == '__main__':
    main()
