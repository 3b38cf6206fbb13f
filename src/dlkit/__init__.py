"""Deep Learning Essentials: a Lightning + Hydra template where each idea of deep learning is a switch.

Importing the package stays light (no torch): entry points compose and check the config first.
"""

from dlkit.config.resolvers import register_resolvers

register_resolvers()
