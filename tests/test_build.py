import nnc


def test_extension_flags():
    info = nnc._core.build_info()
    assert info["fp_contract_off"] == 1
    assert "-ffp-contract=off" in info["flags"]
