import pytest
import torch

from ganforge.methods.cyclegan import DISCRIMINATORS, GENERATORS
from ganforge.models.radboud import RadboudDiscriminator
from ganforge.models.dcgan import DCDiscriminator, DCGenerator


def test_dcgan_shapes():
    gen = DCGenerator()
    out = gen(torch.rand(30, 100) * 2 - 1)
    assert out.shape == (30, 3, 32, 32)
    assert out.min() > -1 and out.max() < 1
    assert DCDiscriminator()(out).shape == (30, 1)


def test_dcgan_discriminator_paddings_halve_then_reach_one_pixel():
    # The seed's problem 1.1.1: kernel 5, stride 2 -> paddings 2, 2, 2, 1 (computed from the model).
    convs = [m for m in DCDiscriminator().modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.padding[0] for c in convs] == [2, 2, 2, 1]
    size = 32
    for c in convs:
        size = (size + 2 * c.padding[0] - c.kernel_size[0]) // c.stride[0] + 1
    assert size == 1


@pytest.mark.parametrize("variant", ["toronto", "radboud"])
def test_cycle_generator_keeps_shape_and_range(variant):
    # The seed's own assertions.
    gen = GENERATORS[variant]()
    out = gen(torch.zeros((30, 3, 32, 32)))
    assert out.shape == torch.Size([30, 3, 32, 32])
    assert torch.min(out) > -1 and torch.max(out) < 1


def test_toronto_generator_has_a_residual_block_and_radboud_has_none():
    names = {type(m).__name__ for m in GENERATORS["toronto"]().modules()}
    assert "ResnetBlock" in names
    assert "ResnetBlock" not in {type(m).__name__ for m in GENERATORS["radboud"]().modules()}


def test_radboud_discriminator_shape():
    assert RadboudDiscriminator()(torch.zeros((30, 3, 32, 32))).shape == torch.Size([30, 1])
    assert DISCRIMINATORS["radboud"](32)(torch.zeros(2, 3, 32, 32)).shape == (2, 1)
    assert DISCRIMINATORS["dcgan"](32)(torch.zeros(2, 3, 32, 32)).shape == (2, 1)
