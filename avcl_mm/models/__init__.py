from . import backbones, heads, losses, necks, recognizers, utils  # noqa: F401
