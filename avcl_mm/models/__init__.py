"""Models: encoders (backbones), the two-stream encoder and classifier
(recognizers), one thin class per self-supervised method (selfsup), necks,
heads (predictor + loss) and losses (one per idea)."""
from . import backbones, heads, losses, necks, recognizers, selfsup, utils
from .backbones import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .recognizers import *  # noqa: F401,F403
from .selfsup import *  # noqa: F401,F403

__all__ = (backbones.__all__ + heads.__all__ + losses.__all__ +
           necks.__all__ + recognizers.__all__ + selfsup.__all__ +
           ['utils'])
