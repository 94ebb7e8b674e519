import torch

from ganforge.losses import revgrad
from ganforge.models.toy import MoonDiscriminator, MoonGenerator, UniformMoonGenerator


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def test_generator_shape_and_parameter_count():
    gen = MoonGenerator()
    assert gen.input_size == 100
    out = gen(torch.rand(7, 100) * 2 - 1)
    assert out.shape == (7, 2)
    assert n_params(gen) == (100 * 100 + 100) * 2 + (100 * 2 + 2)


def test_discriminator_outputs_logits_and_parameter_count():
    disc = MoonDiscriminator()
    out = disc(torch.randn(5, 2) * 10)
    assert out.shape == (5, 1)
    assert n_params(disc) == (2 * 1024 + 1024) + (1024 * 1024 + 1024) + (1024 + 1)
    assert (out.abs() > 0).any()  # logits, not probabilities squeezed into (0, 1)


def test_uniform_generator_ignores_input_and_covers_the_square():
    torch.manual_seed(0)
    gen = UniformMoonGenerator()
    a = gen(torch.zeros(20000, 100))
    assert a.shape == (20000, 2)
    assert a.min() >= -2 and a.max() <= 2
    assert a.min() < -1.99 and a.max() > 1.99
    assert abs(a.mean().item()) < 0.05
    assert len(list(gen.parameters())) == 1  # a dummy so optimizers accept it


def test_revgrad_is_identity_forward_and_negates_gradient():
    x = torch.randn(4, 3, requires_grad=True)
    y = revgrad(x)
    assert torch.equal(y, x)
    (y * torch.arange(3.0)).sum().backward()
    assert torch.equal(x.grad, -torch.arange(3.0).expand(4, 3))
