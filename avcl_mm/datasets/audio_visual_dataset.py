"""``AudioVisualDataset``: videos whose own audio track is the 2nd modality."""
import os.path as osp
from typing import Callable, List, Optional, Sequence, Union

from mmaction.datasets.base import BaseActionDataset
from mmaction.registry import DATASETS, TRANSFORMS
from mmengine.fileio import list_from_file

from avcl_mm.datasets.bad_sample import report_bad_sample

ClassList = Union[str, Sequence[str]]


def read_class_list(source: ClassList) -> List[str]:
    """Class names from a sequence, or from a file with one name per line
    (blank lines and lines starting with ``#`` are skipped)."""
    if not isinstance(source, str):
        return [str(name).strip() for name in source]
    if not osp.isfile(source):
        raise FileNotFoundError(f'class list file "{source}" does not exist')
    names = [line.strip() for line in list_from_file(source)]
    return [name for name in names if name and not name.startswith('#')]


def _explain(err: Exception, path: str) -> Exception:
    """Name the usual causes that decord reports only vaguely."""
    if not osp.exists(path):
        return FileNotFoundError(f'no such file ({err})')
    if osp.getsize(path) == 0:
        return ValueError(f'zero-length file ({err})')
    return err


@DATASETS.register_module()
class AudioVisualDataset(BaseActionDataset):
    """Video files whose own audio track is the second modality.

    Dataset of `AVCL <https://arxiv.org/abs/2204.13386>`_: every annotation
    line is ``relative/path.mp4 [label]`` (whitespace separated, ``#``
    comments and blank lines skipped; paths without spaces). The label is an
    integer class index and is optional: lines without one (self-supervised
    pretraining) give samples without a ground-truth label. The pipeline
    reads frames with mmaction's decord transforms and the audio with
    ``LoadAudioFromVideo`` from the same ``filename``.

    ``filter_classes`` keeps only samples whose class name (``classes[label]``)
    is in it and re-indexes their labels into ``filter_classes``' order (e.g.
    a Kinetics-400 list filtered to Kinetics-Sounds); the metainfo classes
    become ``filter_classes``.

    Bad files never stop a run silently: when the pipeline raises for a
    sample, ``on_error='warn'`` reports the file once (see
    :mod:`avcl_mm.datasets.bad_sample`) and returns the next sample that
    loads (also in test mode, so the count of samples is kept);
    ``on_error='raise'`` raises an error naming the file.

    Args:
        ann_file (str): Annotation file.
        pipeline (list[dict | Callable]): Transforms.
        data_prefix (dict): ``dict(video=folder)`` the paths are relative to.
            Defaults to ``dict(video='')``.
        classes (str | Sequence[str], optional): Class names, or a class-list
            file; ``classes[label]`` names a label. Defaults to ``None``.
        filter_classes (str | Sequence[str], optional): Class names (or file)
            to keep; needs ``classes``. Defaults to ``None``.
        num_classes (int, optional): Number of classes; ``None`` takes
            ``len(classes)``. Defaults to ``None``.
        test_mode (bool): Validation / test dataset. Defaults to ``False``.
        multi_class (bool): Several labels per line (one-hot targets).
            Defaults to ``False``.
        start_index (int): First frame index (0 for videos). Defaults to
            ``0``.
        modality (str): Passed to mmaction. Defaults to ``'RGB'``.
        on_error (str): ``'warn'`` or ``'raise'``. Defaults to ``'warn'``.
        max_retries (int): New failures tolerated while looking for a
            replacement before raising (a broken pipeline fails fast).
            Defaults to ``10``.
        **kwargs: Other ``BaseDataset`` arguments (``metainfo``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[dict, Callable]],
                 data_prefix: dict = dict(video=''),
                 classes: Optional[ClassList] = None,
                 filter_classes: Optional[ClassList] = None,
                 num_classes: Optional[int] = None,
                 test_mode: bool = False,
                 multi_class: bool = False,
                 start_index: int = 0,
                 modality: str = 'RGB',
                 on_error: str = 'warn',
                 max_retries: int = 10,
                 **kwargs) -> None:
        if on_error not in ('warn', 'raise'):
            raise ValueError(f"on_error must be 'warn' or 'raise', got "
                             f'{on_error!r}')
        if int(max_retries) < 0:
            raise ValueError(f'max_retries must be >= 0, got {max_retries}')
        self.class_names = None if classes is None else read_class_list(
            classes)
        self.filter_names = None
        if filter_classes is not None:
            if self.class_names is None:
                raise ValueError('filter_classes needs classes= (the names '
                                 'that the label indices refer to)')
            self.filter_names = read_class_list(filter_classes)
            unknown = sorted(set(self.filter_names) - set(self.class_names))
            if unknown:
                raise ValueError(f'filter_classes names not in classes: '
                                 f'{unknown}')
        names = self.filter_names or self.class_names
        if names is not None:
            if num_classes is not None and num_classes != len(names):
                raise ValueError(f'num_classes={num_classes} but the class '
                                 f'list has {len(names)} names')
            num_classes = len(names)
            metainfo = dict(kwargs.pop('metainfo', None) or {})
            kwargs['metainfo'] = dict(metainfo, classes=tuple(names))
        self.on_error, self.max_retries = on_error, int(max_retries)
        self._bad_indices = set()
        # mmaction's registry, so that no default scope is needed
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t
                    for t in pipeline]
        super().__init__(ann_file, pipeline=pipeline, data_prefix=data_prefix,
                         test_mode=test_mode, multi_class=multi_class,
                         num_classes=num_classes, start_index=start_index,
                         modality=modality, **kwargs)

    def _parse_labels(self, tokens: List[str], where: str) -> List[int]:
        if len(tokens) > 1 and not self.multi_class:
            raise ValueError(f'{where}: expected "relative/path.mp4 [label]"'
                             f', got {len(tokens) + 1} fields')
        try:
            labels = [int(token) for token in tokens]
        except ValueError:
            raise ValueError(f'{where}: labels must be integer class indices,'
                             f' got {tokens}') from None
        limit = len(self.class_names) if self.class_names else \
            self.num_classes
        for label in labels:
            if label < 0 or (limit is not None and label >= limit):
                raise ValueError(f'{where}: label {label} is outside '
                                 f'[0, {limit}) (the class list)')
        return labels

    def load_data_list(self) -> List[dict]:
        """Parse ``ann_file`` into ``dict(filename, [label])`` entries."""
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'annotation file "{self.ann_file}" does not exist')
        prefix = self.data_prefix.get('video') or ''
        keep = None if self.filter_names is None else {
            name: i for i, name in enumerate(self.filter_names)}
        data_list = []
        for lineno, line in enumerate(list_from_file(self.ann_file), 1):
            tokens = line.split()
            if not tokens or tokens[0].startswith('#'):
                continue
            where = f'{self.ann_file}, line {lineno} ({line.strip()!r})'
            labels = self._parse_labels(tokens[1:], where)
            if keep is not None:
                names = [self.class_names[label] for label in labels]
                labels = [keep[name] for name in names if name in keep]
                if not labels:
                    continue
            info = dict(filename=osp.join(prefix, tokens[0]))
            if labels:
                info['label'] = labels if self.multi_class else labels[0]
            data_list.append(info)
        return data_list

    def prepare_data(self, idx: int) -> dict:
        """Run the pipeline on sample ``idx``; on failure apply ``on_error``
        (replace by the next loadable sample, or raise naming the file)."""
        last_error, failures = None, 0
        for step in range(len(self)):
            i = (idx + step) % len(self)
            if i in self._bad_indices:
                continue
            try:
                return super().prepare_data(i)
            except Exception as err:
                path = self.get_data_info(i)['filename']
                cause = _explain(err, path)
                why = f'{type(cause).__name__}: {cause}'
                if self.on_error == 'raise':
                    raise RuntimeError(
                        f'{type(self).__name__}: cannot load "{path}" (sample'
                        f' {i} of {self.ann_file}): {why}. Remove or fix the '
                        "file, or use on_error='warn' to skip bad files."
                    ) from err
                self._bad_indices.add(i)
                last_error, failures = err, failures + 1
                report_bad_sample(path, f'{why}; replaced by the next sample',
                                  kind='unreadable')
                if failures > self.max_retries:
                    break
        raise RuntimeError(
            f'{type(self).__name__}: {failures} samples in a row from index '
            f'{idx} of {self.ann_file} failed (last error: '
            f'{last_error!r}); check the pipeline, then the data with '
            'tools/data/check_dataset.py.')
