"""Format variants met in held-out batch b16 of real pastes (tests/fixtures/expected/b16 checks each
real fixture's facts). "Logic" tests on hand-made lines for the rules written for them (issue 14, b16),
each with a case that must not be read so."""

from __future__ import annotations

from pastefacts import facts_of

from readiness.host import paste
from readiness.probes import gfxinfo, rocm_smi


def test_logic_glxinfo_renderer_line_alone_under_its_grep_command(tmp_path):
    text = ("me@box:~ $ DISPLAY=:1 glxinfo | grep renderer\n"
            "OpenGL renderer string: AMD Radeon RX 580 Series (polaris10, LLVM 15.0.7, DRM 3.54)\n")
    (g,) = facts_of(tmp_path, text)["gpus"]
    assert (g["vendor"], g["name"]) == ("amd", "AMD Radeon RX 580 Series")
    # a prose line that merely mentions the renderer string is no glxinfo line
    assert not gfxinfo.is_glx_grep_lines("the OpenGL renderer string says llvmpipe, why?\n")
    assert not gfxinfo.is_glx_grep_lines("OpenGL version string: 4.6 Mesa 23.0.4\n")  # no renderer line


def test_logic_lambda_prompt_and_right_prompt_clock():
    assert paste.prompt_command("  λ rocm-smi --showhw | grep -i gfx") == "rocm-smi --showhw | grep -i gfx"
    assert paste.prompt_command("λ is the wavelength here") is None  # prose: no known tool after the λ
    assert paste.prompt_command("$ sysctl -n hw.model" + " " * 30 + "[09:01:02]") == "sysctl -n hw.model"
    assert paste.prompt_command("$ echo [09:01:02]") == "echo [09:01:02]"  # no padding: part of the command


def test_logic_sysctl_bare_value_under_its_command_line(tmp_path):
    text = "sysctl -n machdep.cpu.brand_string" + " " * 40 + "[10:00:00]\nIntel(R) Core(TM) i7-8850H CPU @ 2.60GHz\n"
    assert facts_of(tmp_path, text)["cpu"]["model"] == "Intel(R) Core(TM) i7-8850H CPU @ 2.60GHz"


SHOWHW = ("GPU  NODE  DID     GUID   GFX VER   GFX RAS  SDMA RAS  UMC RAS  VBIOS   BUS           PARTITION ID\n"
          "0    1     0x744c  1234   gfx11000  N/A      N/A       N/A      113-X   0000:0b:00.0  0\n")


def test_logic_rocm_smi_showhw_rows_under_grep(tmp_path):
    assert rocm_smi.is_showhw_lines(SHOWHW)
    (g,) = facts_of(tmp_path, "$ rocm-smi --showhw | grep -i gfx\n" + SHOWHW)["gpus"]
    assert (g["vendor"], g["pci_device_id"], g["gfx_target"], g["pci_bus_id"]) == ("amd", "0x744c", "gfx1100",
                                                                                  "0000:0b:00.0")
    # a header with no row, or other lines among the rows: not what grep kept of showhw
    assert not rocm_smi.is_showhw_lines(SHOWHW.split("\n")[0] + "\n")
    assert not rocm_smi.is_showhw_lines(SHOWHW + "some other line\n")


def test_logic_rocm_smi_two_digit_decimal_stepping():
    assert rocm_smi._gfx("gfx11002") == "gfx1102"
    assert rocm_smi._gfx("gfx9010") == "gfx90a"
    # four-digit LLVM targets stay as printed
    assert rocm_smi._gfx("gfx1036") == "gfx1036"
    assert rocm_smi._gfx("gfx1100") == "gfx1100"
