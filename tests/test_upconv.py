"""The exact fast form of "upsample x2 + 5x5 conv": the same function, gradients, updates and checkpoints."""
import pytest
import torch
from torch import nn

from ganforge.methods.cyclegan import GENERATORS as CYCLE_GENERATORS
from ganforge.models.dcgan import DCGenerator
from ganforge.models.layers import PhaseUpConv2d, phase_matrices, upconv

GENERATORS = {
    "dcgan": (lambda form: DCGenerator(100, 8, form), lambda: torch.rand(6, 100) * 2 - 1),
    "toronto": (lambda form: CYCLE_GENERATORS["toronto"](8, form), lambda: torch.rand(6, 3, 32, 32) * 2 - 1),
    "radboud": (lambda form: CYCLE_GENERATORS["radboud"](8, form), lambda: torch.rand(6, 3, 32, 32) * 2 - 1),
}


def test_phase_matrices_sum_each_tap_into_exactly_one_input_offset():
    for k in (3, 5, 7):
        a = phase_matrices(k)
        assert torch.equal(a.sum(1), torch.ones(2, k))     # every tap lands on one input row, per phase
    assert phase_matrices(5)[0].tolist() == [[1, 1, 0, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 0, 1]]
    assert phase_matrices(5)[1].tolist() == [[1, 0, 0, 0, 0], [0, 1, 1, 0, 0], [0, 0, 0, 1, 1]]


@pytest.mark.parametrize("k", [3, 5])
def test_a_phase_convolution_is_upsampling_then_the_convolution(k):
    torch.manual_seed(0)
    reference = nn.Conv2d(7, 5, k, 1, k // 2)
    phases = PhaseUpConv2d(7, 5, k)
    phases.load_state_dict(reference.state_dict())
    x = torch.randn(3, 7, 6, 9)                            # not square: rows and columns are handled apart
    expected = reference(nn.functional.interpolate(x, scale_factor=2))
    assert torch.allclose(phases(x), expected, atol=1e-5)
    assert phases(x).shape == (3, 5, 12, 18)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_both_forms_give_the_same_outputs_gradients_and_updates(name):
    make, inputs = GENERATORS[name]
    torch.manual_seed(1)
    reference = make("reference")
    torch.manual_seed(1)
    phases = make("phases")                                # the same seed gives the same initial weights
    assert all(torch.equal(a, b) for a, b in zip(reference.state_dict().values(), phases.state_dict().values()))
    x = inputs()
    updated = []
    for net in (reference, phases):
        # SGD: an update is the gradient scaled, so it shows rounding as it is. (Adam's first step is about
        # lr * sign(grad), which turns the 1e-9 noise on gradients that are 0 in exact arithmetic, such as
        # a bias before batch norm, into updates of +-lr in either form.)
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        out = net(x)
        out.square().mean().backward()
        grads = [p.grad.clone() for p in net.parameters()]
        before = [p.detach().clone() for p in net.parameters()]
        opt.step()
        updated.append((out.detach(), grads, [p.detach() - b for p, b in zip(net.parameters(), before)]))
    (out_r, grads_r, params_r), (out_p, grads_p, params_p) = updated
    assert torch.allclose(out_r, out_p, atol=1e-5)
    assert all(torch.allclose(a, b, atol=1e-5, rtol=1e-4) for a, b in zip(grads_r, grads_p))
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(params_r, params_p))


def test_the_forms_agree_within_bf16_rounding_under_autocast():
    make, inputs = GENERATORS["toronto"]
    torch.manual_seed(2)
    reference = make("reference").eval()
    torch.manual_seed(2)
    phases = make("phases").eval()
    x = inputs()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        a, b = reference(x).float(), phases(x).float()
    assert (a - b).abs().max() < 0.05                      # bf16 keeps 8 bits of mantissa: about 1e-2 relative
    assert (a - b).abs().mean() < 0.005


@pytest.mark.parametrize("name", list(GENERATORS))
def test_a_checkpoint_of_either_form_loads_into_the_other(name, tmp_path):
    from ganforge.train import checkpoint

    make, inputs = GENERATORS[name]
    x = inputs()
    for saved_form, loaded_form in (("reference", "phases"), ("phases", "reference")):
        torch.manual_seed(3)
        saved = make(saved_form)
        saved(x)                                           # batch-norm running statistics move: save them too
        path = checkpoint.save(tmp_path / saved_form, 1, {"g": saved}, {})
        loaded = make(loaded_form)
        checkpoint.load(path, {"g": loaded}, restore_rng=False)
        assert torch.allclose(saved.eval()(x), loaded.eval()(x), atol=1e-5)


def test_upconv_keeps_the_handout_layers_checkpoint_keys():
    assert list(upconv(8, 4).state_dict()) == list(upconv(8, 4, form="reference").state_dict())
    assert "1.weight" in upconv(8, 4).state_dict()
    with pytest.raises(ValueError, match="unknown upconv form"):
        upconv(8, 4, form="fast")


def test_auto_takes_the_phase_form_from_8x8_input_maps_up():
    from ganforge.models.dcgan import DCGenerator

    assert isinstance(upconv(8, 4, in_size=4)[1], nn.Conv2d) and not isinstance(upconv(8, 4, in_size=4)[1],
                                                                                   PhaseUpConv2d)
    assert isinstance(upconv(8, 4, in_size=8)[1], PhaseUpConv2d)
    assert isinstance(upconv(8, 4)[1], PhaseUpConv2d)  # size unknown: the phase form
    g = DCGenerator(100, 8)  # 4x4 -> 8 -> 16 -> 32
    kinds = [type(block[1]) for block in g.net if isinstance(block, nn.Sequential)]
    assert kinds == [nn.Conv2d, PhaseUpConv2d, PhaseUpConv2d]
    assert list(g.state_dict()) == list(DCGenerator(100, 8, "phases").state_dict())
