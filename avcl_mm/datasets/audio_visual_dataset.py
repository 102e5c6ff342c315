"""Dataset of videos whose own audio track is the second modality."""
import os.path as osp
from typing import Callable, List, Optional, Sequence, Union

from mmengine.fileio import exists, list_from_file
from mmaction.datasets.base import BaseActionDataset
from mmaction.registry import DATASETS

from avcl_mm.datasets.bad_samples import report_bad_sample


def read_class_list(source: Union[str, Sequence[str]]) -> List[str]:
    """Class names from a list or a file (one per line, ``#`` comments)."""
    if isinstance(source, str):
        if not osp.isfile(source):
            raise FileNotFoundError(f'class list "{source}" does not exist')
        return [line.strip() for line in list_from_file(source)
                if line.strip() and not line.lstrip().startswith('#')]
    return [str(c) for c in source]


@DATASETS.register_module()
class AudioVisualDataset(BaseActionDataset):
    """Audio-visual action dataset for `AVCL <https://arxiv.org/abs/2204.13386>`_.

    Each annotation line is ``relative/path.mp4 [label]``; the label (an
    integer index into ``classes``) is optional, for self-supervised
    pretraining. Paths are relative to ``data_prefix['video']``. The audio
    is read later by ``LoadAudioFromVideo`` from the same file.

    Bad files never stop a run silently: with ``on_error='warn'`` a sample
    whose pipeline fails is reported once (a warning and a line in the
    bad-sample log, see ``BadSampleReportHook``) and replaced by the next
    readable one; ``on_error='raise'`` (strict) raises naming the file.

    Args:
        ann_file (str): Annotation file path.
        pipeline (list): Transforms.
        data_prefix (dict): ``dict(video=folder)``. Defaults to
            ``dict(video='')``.
        classes (str | Sequence[str], optional): Class list (names, or a file
            with one name per line). Defaults to ``None``.
        filter_classes (str | Sequence[str], optional): Keep only samples of
            these class names (needs ``classes``). Labels keep their indices
            in ``classes``. Defaults to ``None``.
        on_error (str): ``'warn'`` or ``'raise'``. Defaults to ``'warn'``.
        max_retries (int): Replacement samples tried before giving up.
            Defaults to ``10``.
        **kwargs: Passed to ``BaseActionDataset`` (``test_mode``,
            ``num_classes``, ``multi_class``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[dict, Callable]],
                 data_prefix: dict = dict(video=''),
                 classes: Optional[Union[str, Sequence[str]]] = None,
                 filter_classes: Optional[Union[str, Sequence[str]]] = None,
                 on_error: str = 'warn',
                 max_retries: int = 10,
                 **kwargs) -> None:
        if on_error not in ('warn', 'raise'):
            raise ValueError("on_error must be 'warn' or 'raise', got "
                             f'{on_error!r}')
        self.class_names = read_class_list(classes) if classes else None
        if filter_classes is not None and self.class_names is None:
            raise ValueError('filter_classes needs classes= (the names the '
                             'label indices refer to)')
        self.filter_classes = set(read_class_list(filter_classes)) \
            if filter_classes is not None else None
        self.on_error = on_error
        self.max_retries = max_retries
        metainfo = kwargs.pop('metainfo', None) or {}
        if self.class_names is not None:
            metainfo = dict(metainfo, classes=tuple(self.class_names))
            kwargs.setdefault('num_classes', len(self.class_names))
        super().__init__(ann_file, pipeline=pipeline, data_prefix=data_prefix,
                         metainfo=metainfo, **kwargs)

    def load_data_list(self) -> List[dict]:
        if not exists(self.ann_file):
            raise FileNotFoundError(
                f'annotation file "{self.ann_file}" does not exist')
        data_list = []
        prefix = self.data_prefix.get('video', '')
        for lineno, line in enumerate(list_from_file(self.ann_file), 1):
            parts = line.strip().split()
            if not parts or parts[0].startswith('#'):
                continue
            info = dict(filename=osp.join(prefix, parts[0]))
            if len(parts) > 1:
                try:
                    labels = [int(x) for x in parts[1:]]
                except ValueError:
                    raise ValueError(
                        f'{self.ann_file}:{lineno}: expected "path [label]" '
                        f'with an integer label, got "{line.strip()}"') \
                        from None
                if self.class_names is not None and \
                        not all(0 <= x < len(self.class_names)
                                for x in labels):
                    raise ValueError(
                        f'{self.ann_file}:{lineno}: label {labels} is outside '
                        f'the class list ({len(self.class_names)} classes)')
                if self.filter_classes is not None and not any(
                        self.class_names[x] in self.filter_classes
                        for x in labels):
                    continue
                info['label'] = labels if self.multi_class else labels[0]
            elif self.filter_classes is not None:
                continue
            data_list.append(info)
        return data_list

    def prepare_data(self, idx: int):
        """Run the pipeline; on failure report the file and use the next
        sample (``on_error='warn'``) or raise naming it (``'raise'``)."""
        for attempt in range(self.max_retries + 1):
            i = (idx + attempt) % len(self)
            try:
                return super().prepare_data(i)
            except Exception as err:
                path = self.get_data_info(i)['filename']
                if self.on_error == 'raise':
                    raise RuntimeError(
                        f'{type(self).__name__}: cannot load "{path}" '
                        f'(index {i}): {err}. Fix or remove it from '
                        f'{self.ann_file}, or set on_error="warn" to skip '
                        'bad files.') from err
                report_bad_sample(path, f'{type(err).__name__}: {err}; '
                                  'replaced by another sample')
        raise RuntimeError(
            f'{type(self).__name__}: {self.max_retries + 1} samples in a row '
            f'failed from index {idx} of {self.ann_file}; check the data '
            'with tools/data/check_dataset.py.')
