"""Format variants met in held-out batch b8 of real pastes (tests/fixtures/expected/b8 checks each
real fixture's facts). The tests here are "logic" tests on hand-made lines, each named so, for the
edges of those rules that the real pastes don't show."""

from __future__ import annotations

import pytest

from readiness.collect import gather
from readiness.errors import ReadinessError
from readiness.host import replay
from readiness.probes import gfxinfo, registry


def _load(tmp_path, text: str, name: str = "paste.txt"):
    path = tmp_path / name
    path.write_text(text)
    return replay.load([str(path)], registry.detectors())


def _unread(tmp_path, text: str) -> None:
    with pytest.raises(ReadinessError, match="none of the given paths"):
        _load(tmp_path, text, "unread.txt")


_GLX = ("Extended renderer info (GLX_MESA_query_renderer):\n    Vendor: AMD (0x1002)\n"
        "    Device: {device} (0x{id})\n    Video memory: 8192MB\n")


def test_logic_glxinfo_gfx_target_is_the_first_word_in_the_device_parentheses():
    (gpu,) = gfxinfo.glx_gpus(_GLX.format(device="AMD Radeon RX 6600 (gfx1032, LLVM 17.0.6, DRM 3.57)", id="73ff"))
    assert (gpu.name, gpu.gfx_target) == ("AMD Radeon RX 6600", "gfx1032")
    # an older Mesa names the chip family there, which is no gfx target
    (gpu,) = gfxinfo.glx_gpus(_GLX.format(device="Radeon RX 580 Series (POLARIS10, DRM 3.40.0, 5.10.0)", id="67df"))
    assert gpu.gfx_target is None
