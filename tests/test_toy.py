import torch

from ganforge.train.losses import revgrad
from ganforge.models.moons import MoonDiscriminator, MoonGenerator, UniformMoonGenerator


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
    # Logits, not probabilities squeezed into (0, 1): the last layer is linear, nothing squashes it.
    assert isinstance(disc.net[-1], torch.nn.Linear)
    assert not any(isinstance(m, (torch.nn.Sigmoid, torch.nn.Tanh)) for m in disc.modules())
    assert ((out < 0) | (out > 1)).any()


def test_uniform_generator_ignores_input_and_covers_the_square():
    gen = UniformMoonGenerator()
    torch.manual_seed(0)
    a = gen(torch.zeros(20000, 100))
    other_input = torch.randn(20000, 100) * 5
    torch.manual_seed(0)
    assert torch.equal(gen(other_input), a)  # other input, same RNG state: the same points
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
