"""Format variants met in held-out batch b11 of real pastes (tests/fixtures/expected/b11 checks each
real fixture's facts). The tests here are "logic" tests on hand-made lines, each named so, for the
edges of those rules that the real pastes don't show."""

from __future__ import annotations

from readiness.host import paste
from readiness.probes import nvidia_smi

UUID = "GPU-072b19bd-4ccf-63cf-6435-cf462aff833d"


def test_logic_csv_header_below_wrapper_lines_needs_a_matching_row():
    head = "running on node 1\nnodes cache fresh\n-- compute01\nnode two\n"
    good = head + "uuid, mig.mode.current\n" + UUID + ", Enabled\n"
    assert nvidia_smi.detect(good) == "csv"
    (gpu,) = nvidia_smi.parse(good)["gpus"]
    assert (gpu["uuid"], gpu["mig_mode"]) == (UUID, True)
    # the same header with a row that is no GPU row (not a UUID) is not taken that far down
    assert nvidia_smi.detect(head + "uuid, mig.mode.current\nsomething, else\n") is None
    # one query field name that far down is a word of prose or a log, not a header
    assert nvidia_smi.detect(head + "name, colour\nNVIDIA, red\n") is None


def test_logic_q_fragment_needs_its_uuid_and_two_other_q_keys():
    two = f"    GPU UUID                              : {UUID}\n    Minor Number                          : 5\n" \
          "    VBIOS Version                         : 92.00.45.00.05\n"
    assert nvidia_smi.detect(two) == "query"
    (gpu,) = nvidia_smi.parse(two)["gpus"]
    assert gpu["uuid"] == UUID
    one = f"    GPU UUID                              : {UUID}\n    Minor Number                          : 5\n"
    assert nvidia_smi.detect(one) is None


def test_logic_quoted_block_inside_prose_loses_its_quoting_only_in_runs_of_three():
    text = "My GPU is not seen.\n> Line one\n> Line two\n>\n> Line three\nThanks\n> a lone quote\n"
    lines = [t for _, t in paste.clean(text).lines]
    assert lines[:6] == ["My GPU is not seen.", "Line one", "Line two", "", "Line three", "Thanks"]
    assert lines[6] == "> a lone quote"


def _cpu_vendor(tmp_path, vendor_id: str) -> str | None:
    from readiness.collect import gather
    from readiness.host import replay
    from readiness.probes import registry

    path = tmp_path / "lscpu.txt"
    path.write_text(f"Architecture:        aarch64\nCPU(s):              4\nVendor ID:           {vendor_id}\n"
                    "Model name:          S2500\n")
    host, _ = replay.load([str(path)], registry.detectors())
    return gather(host)["cpu"]["vendor"]


def test_logic_lscpu_arm_implementer_code_is_named_from_the_table_and_an_unknown_code_kept(tmp_path):
    assert _cpu_vendor(tmp_path, "0x70") == "Phytium"
    assert _cpu_vendor(tmp_path, "0x7e") == "0x7e"
