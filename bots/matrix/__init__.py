"""The Matrix channel: one matrix-nio bot per tenant, end-to-end encrypted.

``build_matrix_channels`` makes one ``MatrixChannel`` per tenant file with a
``[matrix]`` table; the runner starts and stops them and uses them as
notifiers. See ``docs/matrix.md`` for the operator's side.
"""

from bots.matrix.channel import MatrixChannel, MatrixCredentials, build_matrix_channels

__all__ = ["MatrixChannel", "MatrixCredentials", "build_matrix_channels"]
