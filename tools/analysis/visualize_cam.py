"""Class-activation maps of a finetuned audio-visual recognizer (AVCL
Fig. 2): Grad-CAM on the last stage of the video encoder over the sampled
frames, and on the last stage of the audio encoder over the spectrogram.

    python tools/analysis/visualize_cam.py CONFIG CHECKPOINT VIDEO \\
        [--out DIR] [--target-class K] [--alpha 0.5] [--device cpu]

The clip goes through the config's deterministic val pipeline (one clip,
centre crop), so the maps line up with the frames and spectrogram the
model saw. Writes image files only:

- ``DIR/<video>_video_cam.png``: the sampled frames (top row) and the
  Grad-CAM of the target class over them (bottom row);
- ``DIR/<video>_audio_cam.png``: the log-mel spectrogram (time along x,
  mel bins along y) and its Grad-CAM;
- ``DIR/<video>_cam.json``: the predicted class, its probability and the
  target class.

Grad-CAM (Selvaraju et al., 2017): the last encoder map ``A`` ``(C, T, H,
W)`` is weighted per channel by the spatio-temporal mean of the gradient
of the class score, ``cam = relu(sum_c w_c A_c)``, upsampled to the input
and scaled to ``[0, 1]``. Plain CAM would need the score to be linear in
the pooled features, which the AMFM fusion neck is not. The target is
the predicted class unless ``--target-class`` is given.

The maps are as coarse as the last stage: the R3D encoders stride the
input by 16 in space and 8 in time (paper clips 16x112x112 -> 2x7x7; the
demo's 8x64x64 -> 1x4x4, i.e. one map shared by all frames).
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402


def _last(output):
    return output[-1] if isinstance(output, (list, tuple)) else output


def _grad_cam(maps: torch.Tensor, grads: torch.Tensor,
              size: tuple) -> torch.Tensor:
    """Grad-CAM ``(R, *size)`` in ``[0, 1]`` from maps and gradients
    ``(R, C, T, H, W)``, upsampled (trilinear) to ``size = (T, H, W)``."""
    weights = grads.mean(dim=(2, 3, 4), keepdim=True)
    cam = F.relu((weights * maps).sum(dim=1, keepdim=True))
    cam = F.interpolate(cam, size=size, mode='trilinear', align_corners=False)
    cam = cam[:, 0]
    peak = cam.flatten(1).max(dim=1).values.clamp_min(1e-12)
    return cam / peak.view(-1, 1, 1, 1)


def class_scores(model: nn.Module, inputs: Dict[str, torch.Tensor]
                 ) -> torch.Tensor:
    """Class scores ``(N * V, num_classes)`` of an ``AudioVisualRecognizer``
    (what its classifier sees: ``[f_v; f_a]``, ``[v; a]`` or one
    modality)."""
    feats = model.encode(inputs)
    if isinstance(feats, (tuple, list)):
        feats = torch.cat(list(feats), dim=1)
    return model.cls_head(feats)


def grad_cam(model: nn.Module, inputs: Dict[str, torch.Tensor],
             target: Optional[int] = None) -> dict:
    """Grad-CAM of one sample on the last video and audio encoder stages.

    Args:
        model (nn.Module): An ``AudioVisualRecognizer`` with a ``cls_head``
            (run in eval mode here; restored afterwards).
        inputs (dict[str, torch.Tensor]): Preprocessed inputs of **one**
            sample: ``imgs`` ``(1, V, C, T, H, W)`` and/or ``audios``
            ``(1, V, 1, 1, H, W)``.
        target (int, optional): Class to explain. Defaults to ``None``:
            the predicted class.

    Returns:
        dict: ``video`` ``(V, T, H, W)`` and/or ``audio`` ``(V, H, W)``
        maps in ``[0, 1]``, ``probs`` ``(num_classes, )`` (averaged over
        views), ``pred`` and ``target``.
    """
    # the maps each encoder returns, in call order (a shared encoder runs
    # on the video, then on the audio)
    outputs: Dict[str, List[torch.Tensor]] = {}
    video_enc = getattr(model, 'video_backbone', None)
    audio_enc = getattr(model, 'audio_encoder',
                        getattr(model, 'audio_backbone', None))
    hooks = []
    for name, encoder in (('video', video_enc), ('audio', audio_enc)):
        if encoder is None or (name == 'audio' and encoder is video_enc):
            continue

        def hook(module, args, output, name=name):
            out = _last(output)
            out.retain_grad()
            outputs.setdefault(name, []).append(out)
        hooks.append(encoder.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            model.zero_grad(set_to_none=True)
            scores = class_scores(model, inputs)
            probs = scores.softmax(dim=1).mean(dim=0)
            pred = int(probs.argmax())
            cls = pred if target is None else int(target)
            if not 0 <= cls < scores.shape[1]:
                raise ValueError(f'target class {cls} is outside '
                                 f'[0, {scores.shape[1]})')
            scores[:, cls].sum().backward()
    finally:
        for handle in hooks:
            handle.remove()
        model.train(was_training)
    result = dict(probs=probs.detach(), pred=pred, target=cls)
    captured = {}
    if 'video' in outputs and 'imgs' in inputs:
        captured['video'] = outputs['video'][0]
    if 'audios' in inputs:
        runs = outputs.get('audio') or outputs.get('video', [])[1:]
        if runs:
            captured['audio'] = runs[-1]
    if 'video' in captured:
        maps = captured['video']
        size = inputs['imgs'].shape[-3:]
        result['video'] = _grad_cam(maps.detach(), maps.grad, size).detach()
    if 'audio' in captured:
        maps = captured['audio']
        spec = inputs['audios']
        size = (1, *spec.shape[-2:])
        if maps.dim() == 4:  # a 2D audio encoder: (R, C, H, W)
            maps, grads = maps.unsqueeze(2), maps.grad.unsqueeze(2)
        else:
            grads = maps.grad
        result['audio'] = _grad_cam(maps.detach(), grads, size)[:, 0]
    model.zero_grad(set_to_none=True)
    return result


def load_sample(cfg, video: str) -> dict:
    """One video through the config's val pipeline: the packed sample."""
    from mmengine.dataset import Compose
    pipeline = cfg.get('val_pipeline') or cfg.val_dataloader.dataset.pipeline
    return Compose(pipeline)(dict(filename=video, start_index=0,
                                  modality='RGB'))


def _overlay(ax, image, cam, alpha, cmap='jet', **kwargs):
    ax.imshow(image, **kwargs)
    ax.imshow(cam, cmap=cmap, alpha=alpha, vmin=0, vmax=1,
              interpolation='bilinear', **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_video_cam(frames: np.ndarray, cam: np.ndarray, path: str,
                   title: str = '', alpha: float = 0.5) -> None:
    """Frames ``(T, H, W, 3)`` uint8 (top row) and their CAM ``(T, H, W)``
    overlaid (bottom row), one column per frame."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    t = frames.shape[0]
    fig, axes = plt.subplots(2, t, figsize=(1.4 * t, 3.2), squeeze=False)
    for i in range(t):
        axes[0, i].imshow(frames[i])
        axes[0, i].set_xticks([])
        axes[0, i].set_yticks([])
        axes[0, i].set_title(f't={i}', fontsize=7)
        _overlay(axes[1, i], frames[i], cam[i], alpha)
    axes[0, 0].set_ylabel('frames', fontsize=8)
    axes[1, 0].set_ylabel('Grad-CAM', fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_audio_cam(spec: np.ndarray, cam: np.ndarray, path: str,
                   title: str = '', alpha: float = 0.5) -> None:
    """A spectrogram ``(time, mel)`` and its CAM, drawn with time along x
    and mel bins along y (low frequencies at the bottom)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.2))
    kw = dict(origin='lower', aspect='auto')
    axes[0].imshow(spec.T, cmap='magma', **kw)
    axes[0].set_title('log-mel spectrogram', fontsize=8)
    axes[1].imshow(spec.T, cmap='gray', **kw)
    axes[1].imshow(cam.T, cmap='jet', alpha=alpha, vmin=0, vmax=1, **kw)
    axes[1].set_title('Grad-CAM', fontsize=8)
    for ax in axes:
        ax.set_xlabel('time', fontsize=8)
        ax.set_ylabel('mel bin', fontsize=8)
        ax.tick_params(labelsize=6)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _class_names(cfg, override: Optional[str] = None
                 ) -> Optional[List[str]]:
    """Class names from ``--classes`` or the config's ``class_list``;
    ``None`` (indices are shown) when that file is not there."""
    source = override or cfg.get('class_list')
    if isinstance(source, str) and osp.isfile(source):
        with open(source) as f:
            return [line.strip() for line in f if line.strip()]
    if source:
        print(f'[visualize_cam] class list "{source}" not found: showing '
              'class indices (pass --classes FILE)')
    return None


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='a finetuning config (with cls_head), '
                        'e.g. configs/demo/avcl_r3d_demo_finetune.py')
    parser.add_argument('checkpoint', help='finetuned checkpoint (or a '
                        'last_checkpoint file holding its path)')
    parser.add_argument('video', help='video file to explain (its frames and '
                        'its own audio track)')
    parser.add_argument('--out', default='work_dirs/cam',
                        help='folder for the images and the JSON (default: '
                        'work_dirs/cam)')
    parser.add_argument('--target-class', type=int, default=None,
                        help='class index whose Grad-CAM is drawn (default: '
                        'the predicted class)')
    parser.add_argument('--alpha', type=float, default=0.5,
                        help='heat-map opacity (default: 0.5)')
    parser.add_argument('--device', default='cpu',
                        help="torch device, e.g. 'cpu' or 'cuda:0' "
                        "(default: 'cpu')")
    parser.add_argument('--classes', default=None,
                        help="class-list file (default: the config's "
                        'class_list)')
    args = parser.parse_args(argv)
    if args.classes and not osp.isfile(args.classes):
        parser.error(f'class list "{args.classes}" does not exist.')

    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    import avcl_mm  # noqa: F401
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    cfg = Config.fromfile(args.config)
    if cfg.model.get('cls_head') is None:
        parser.error(f'{args.config} has no cls_head: use a finetuning '
                     'config and checkpoint.')
    ckpt = args.checkpoint
    if osp.basename(ckpt) == 'last_checkpoint':
        with open(ckpt) as f:
            ckpt = f.read().strip()
    for path in (ckpt, args.video):
        if not osp.isfile(path):
            parser.error(f'"{path}" does not exist.')
    model = MODELS.build(cfg.model)
    from avcl_mm.engine.checkpoint import safe_loading
    with safe_loading(ckpt):
        load_checkpoint(model, ckpt, map_location='cpu',
                        logger='silent')
    model.to(args.device)

    sample = load_sample(cfg, args.video)
    batch = model.data_preprocessor(pseudo_collate([sample]), False)
    result = grad_cam(model, batch['inputs'], args.target_class)

    names = _class_names(cfg, args.classes)
    label = (names[result['target']] if names and
             result['target'] < len(names) else str(result['target']))
    pred = names[result['pred']] if names else str(result['pred'])
    prob = float(result['probs'][result['pred']])
    title = (f'{osp.basename(args.video)}: predicted {pred} ({prob:.2f}); '
             f'Grad-CAM of {label}')
    os.makedirs(args.out, exist_ok=True)
    stem = osp.splitext(osp.basename(args.video))[0]
    written = []
    if 'video' in result:
        frames = sample['inputs']['imgs'][0]  # (C, T, H, W), raw pixels
        frames = frames.permute(1, 2, 3, 0).clamp(0, 255).byte().numpy()
        path = osp.join(args.out, f'{stem}_video_cam.png')
        plot_video_cam(frames, result['video'][0].cpu().numpy(), path,
                       title, args.alpha)
        written.append(path)
    if 'audio' in result:
        spec = sample['inputs']['audios'].reshape(
            -1, *sample['inputs']['audios'].shape[-2:])[0].numpy()
        path = osp.join(args.out, f'{stem}_audio_cam.png')
        plot_audio_cam(spec, result['audio'][0].cpu().numpy(), path, title,
                       args.alpha)
        written.append(path)
    info = dict(video=args.video, checkpoint=ckpt, pred=result['pred'],
                pred_name=pred, prob=prob, target=result['target'],
                target_name=label, images=written)
    path = osp.join(args.out, f'{stem}_cam.json')
    with open(path, 'w') as f:
        json.dump(info, f, indent=2)
    print(f'predicted {pred} ({prob:.2f}); wrote {", ".join(written)}')
    return info


if __name__ == '__main__':
    main()
