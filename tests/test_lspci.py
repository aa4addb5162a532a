"""PCI listings (lspci) where sysfs can't be read, and pairing them with nvidia-smi -L.

Parser tests use real outputs (sources in tests/fixtures/README.md). Tests marked "logic" feed
small hand-made answers through the host seam to check a rule of the code, not a parser."""

import pytest

from conftest import AMD, FIXTURES, gpus
from readiness.host.base import Answer
from readiness.host.replay import ReplayHost
from readiness.probes import amd


# -- PCI listings (lspci) -----------------------------------------------------------------------

LSPCI = FIXTURES / "lspci"


def listing(run, *names):
    return [(g["vendor"], g["pci_bus_id"], g["pci_device_id"], g["kernel_driver"], g["virtual"])
            for g in gpus(run, *(LSPCI / n for n in names))]


@pytest.mark.parametrize("name, expected", [
    # Optimus laptop, `lspci -nnk`, the whole bus (indented with spaces by the wiki it came from)
    ("dell-xps-15-9570-intel-uhd630-nvidia-gtx1050ti-optimus.lspci-nnk.txt",
     [("intel", "0000:00:02.0", "0x3e9b", "i915", False), ("nvidia", "0000:01:00.0", "0x1c8c", "nvidia", False)]),
    # plain lspci with an old id table: "NVIDIA Corporation Device 1f91" still gives the device id
    ("hp-pavilion-15-ec0012nl-amd-picasso-igpu-nvidia-gtx1650.lspci.txt",
     [("nvidia", "0000:01:00.0", "0x1f91", None, False), ("amd", "0000:05:00.0", "0x15d8", None, False)]),
    # the AMD iGPU is a "Display controller" (0380), which a grep for VGA|3D would miss
    ("asus-laptop-amd-strix-880m-display-ctrl-nvidia-rtx4070m-vga.lspci-grep.txt",
     [("nvidia", "0000:65:00.0", None, None, False), ("amd", "0000:66:00.0", None, None, False)]),
    # NVSwitches are bridges (0680), not GPUs; the ASPEED BMC display is listed but not an accelerator
    ("hgx-h100-8gpu-aspeed-nvswitch-rhel94.lspci-Dnn-egrep-nvidia-vga.txt",
     [("nvidia", f"0000:{b}:00.0", "0x2330", None, False) for b in ("1b", "43", "52", "61", "9d", "c3", "d1", "df")]
     + [("other", "0000:04:00.0", "0x2000", None, False)]),
    # a PCI bridge that the user's grep caught ("a33d" has "3d" in it) is not a GPU
    ("laptop-intel-3e9b-nvidia-mx130-plus-egpu-gtx970.lspci-nn-grep-vga-3d.txt",
     [("intel", "0000:00:02.0", "0x3e9b", None, False), ("nvidia", "0000:02:00.0", "0x174d", None, False),
      ("nvidia", "0000:08:00.0", "0x13c2", None, False)]),
    # Hyper-V: the GPU sits in its own PCI domain, next to Hyper-V's virtual VGA
    ("azure-nc-hyperv-vga-tesla-k80.lspci-vnn-grep-vga-A12.txt",
     [("nvidia", "61f0:00:00.0", "0x102d", None, False), ("other", "0000:00:08.0", "0x5353", "hyperv_fb", True)]),
    ("qemu-q35-vm-bochs-stdvga-1234-1111.lspci.txt", [("other", "0000:00:01.0", "0x1111", None, True)]),
    ("vmware-backtrack4-vm-svga-ii.lspci-nn.txt", [("other", "0000:00:0f.0", "0x0405", None, True)]),
    ("aws-g2.2xlarge-xen-cirrus-vga-nvidia-grid-k520.lspci-vv.txt",
     [("nvidia", "0000:00:03.0", None, "nvidia", False), ("other", "0000:00:02.0", None, "cirrus", True)]),
    # machine-readable forms: -vmm -nn (tabs turned to spaces by a forum), the old -v -m, and -nnm
    ("zareason-zeto-desktop-nvidia-gtx-titan-x.lspci-vmmnn.txt", [("nvidia", "0000:01:00.0", "0x17c2", None, False)]),
    ("hp-hpe-377a-desktop-ati-radeon-hd5500.lspci-vmm.txt", [("amd", "0000:01:00.0", None, None, False)]),
    ("ecs-laptop-sis-771-671-vga.lspci-v-nn-m.txt", [("other", "0000:01:00.0", "0x6351", None, False)]),
    ("dell-xps-m1330-nvidia-8400m-gs.lspci-nnm.txt", [("nvidia", "0000:01:00.0", "0x0427", None, False)]),
])
def test_lspci_listings(run, name, expected):
    assert listing(run, name) == expected


def test_lspci_without_k_does_not_claim_a_missing_driver(run):
    (g,) = gpus(run, LSPCI / "supermicro-amd-genoa-aspeed-ast2600-2x-nvidia-h100-nvl.lspci.txt")[:1]
    assert g["status"] == "ok" and "without -k" in g["status_reason"]


def test_lspci_k_cut_by_grep_keeps_what_it_shows(run):
    """`lspci -k | grep -A 2`: the iGPU's driver line was cut off (unknown); the two NVIDIA GPUs show theirs."""
    igpu, dgpu, egpu = gpus(run, LSPCI / "msi-laptop-intel-cml-nvidia-gtx1650m-plus-egpu-rtx2060.lspci-k-grep-A2-vga-3d.txt")
    assert igpu["kernel_driver"] is None and igpu["status"] == "ok" and "without -k" in igpu["status_reason"]
    assert (dgpu["kernel_driver"], egpu["kernel_driver"], egpu["status"]) == ("nvidia", "nvidia", "ok")


def test_wsl_paravirtual_gpu_is_not_the_gpu(run):
    (g,) = gpus(run, LSPCI / "wsl2-hyperv-dxg-3d-controller-microsoft-008e.lspci.txt")
    assert g["virtual"] is True and "Windows host's GPU" in g["status_reason"]


def test_lspci_and_nvidia_smi_table_are_one_list(run):
    """Same session: lspci prints 3a:00.0, nvidia-smi 00000000:3A:00.0."""
    found = gpus(run, LSPCI / "aws-g6-kvm-epyc-4x-nvidia-l4.lspci-grep-nvidia.txt",
                 LSPCI / "aws-g6-kvm-epyc-4x-nvidia-l4.nvidia-smi.txt")
    assert [(g["source"], g["pci_bus_id"]) for g in found] == [
        ("nvidia-smi", f"0000:{b}:00.0") for b in ("38", "3a", "3c", "3e")]


@pytest.mark.parametrize("stem, count", [("azure-nc-hyperv-vga-tesla-k80", 2),
                                         ("kvm-vm-rhel-ai-8x-h100-4x-nvswitch-passthrough", 8)])
def test_nvidia_smi_list_without_bus_ids_pairs_with_lspci_in_bus_order(run, stem, count):
    lspci = next(LSPCI.glob(f"{stem}.lspci-*egrep-nvidia.txt"), None) or LSPCI / f"{stem}.lspci-grep-nvidia.txt"
    found = gpus(run, lspci, LSPCI / f"{stem}.nvidia-smi.txt")
    assert len(found) == count and all(g["source"] == "nvidia-smi" and g["pci_bus_id"] for g in found)
    assert [g["pci_bus_id"] for g in found] == sorted(g["pci_bus_id"] for g in found)


def test_nvidia_smi_list_and_a_cut_lspci_are_not_paired_by_guess(run):
    """The grep kept one of the two K80s: which one nvidia-smi's first line is can't be told."""
    found = gpus(run, LSPCI / "azure-nc-hyperv-vga-tesla-k80.lspci-vnn-grep-vga-A12.txt",
                 LSPCI / "azure-nc-hyperv-vga-tesla-k80.nvidia-smi.txt")
    assert sum(1 for g in found if g["source"] == "nvidia-smi" and g["pci_bus_id"] is None) == 2


def test_intel_npu_is_not_a_gpu():
    """logic: Meteor Lake's NPU is a class-0x12 Intel device; as a GPU without i915 it would be a false alarm."""
    from readiness.probes import pci

    root = pci.ROOT
    answers = {f"dir:{root}": Answer("ok", ["0000:00:02.0", "0000:00:0b.0"])}
    for bus, cls, dev, drv in (("0000:00:02.0", "0x030000", "0x7d55", "i915"), ("0000:00:0b.0", "0x120000", "0x7d1d",
                                                                                  "intel_vpu")):
        answers.update({f"file:{root}/{bus}/class": Answer("ok", cls + "\n"),
                        f"file:{root}/{bus}/vendor": Answer("ok", "0x8086\n"),
                        f"file:{root}/{bus}/device": Answer("ok", dev + "\n"),
                        f"link:{root}/{bus}/driver": Answer("ok", f"../../../bus/pci/drivers/{drv}")})
    found = pci.parse(pci.collect(ReplayHost(answers, "linux", "test"))).facts["gpus"]
    assert [(g.pci_bus_id, g.status) for g in found] == [("0000:00:02.0", "ok")]


@pytest.mark.parametrize("path", sorted(p.name for p in LSPCI.glob("*.txt") if ".lspci" in p.name))
def test_every_lspci_fixture_is_read_with_bus_ids(run, path):
    found = gpus(run, LSPCI / path)
    assert found and all(g["source"] == "lspci" and g["pci_bus_id"] and g["vendor"] for g in found)
