"""``logic.compat.const``: folded by MicroPython's compiler although it is not imported from
``micropython`` itself, so a private constant takes no room in its module."""

from logic import compat, frame
from portable import MICROPYTHON


def test_constants_keep_their_values():
    assert frame.ESC == 0x10
    assert compat.const(7) == 7


def test_private_constants_stay_out_of_the_module_dict_on_micropython():
    names = dir(frame)
    assert "ESC" in names
    if MICROPYTHON:
        assert "_FLIP" not in names
    else:
        assert "_FLIP" in names
