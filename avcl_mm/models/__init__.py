"""Models: encoders (backbones), the data preprocessors (log-mel on the
device), the two-stream encoder and classifier (recognizers), one thin class per self-supervised method (selfsup), necks,
heads (predictor + loss) and losses (one per idea)."""
from . import (backbones, data_preprocessors, heads, losses, necks,
               recognizers, selfsup, utils)
from .backbones import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .recognizers import *  # noqa: F401,F403
from .selfsup import *  # noqa: F401,F403

__all__ = (backbones.__all__ + data_preprocessors.__all__ + heads.__all__ + losses.__all__ +
           necks.__all__ + recognizers.__all__ + selfsup.__all__ +
           ['utils'])
