"""One iteration written the handouts' way, for `ganforge bench` to time beside ganforge's own loop.

Each function takes the config and freshly built networks (their upconv layers as written,
"reference") and returns one_iteration(*real batches): fp32, default memory format and
optimizer, a fresh label tensor for every loss, `.item()` on every statistic every
iteration. The batches come from the handouts' data pipeline, which the benchmark builds
(a DataLoader over a TensorDataset for points; ImageFolder + DataLoader decoding PNGs
for images).
"""
from __future__ import annotations

import torch

from ..train.losses import cycle_loss, revgrad


def _lsgan(d, real: bool):
    return ((d - 1) ** 2).mean() if real else (d ** 2).mean()


def moons(cfg, nets):
    """The Radboud notebook's train_adversarial: two D passes, default Adam, .item() every step."""
    G, D = nets.generator, nets.discriminator
    opt_g, opt_d = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    bce = torch.nn.BCEWithLogitsLoss()

    def one_iteration(x):
        fake = G(torch.rand(x.shape[0], cfg.noise_size) * 2 - 1)
        d_real, d_fake = D(x), D(fake)
        d_loss = bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))
        d_acc = ((d_real > 0).float().mean() + (d_fake < 0).float().mean()) / 2
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        d_fake = D(G(torch.rand(x.shape[0], cfg.noise_size) * 2 - 1))
        g_loss = bce(d_fake, torch.ones_like(d_fake))
        g_acc = (d_fake > 0).float().mean()
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        d_loss.item(), g_loss.item(), d_acc.item(), g_acc.item()

    return one_iteration


def dcgan(cfg, nets):
    """The Toronto handout's gan_training_loop (least squares, D's two terms in one step)."""
    G, D = nets.generator, nets.discriminator
    betas, bs = (cfg.beta1, cfg.beta2), cfg.batch_size
    opt_g = torch.optim.Adam(G.parameters(), cfg.lr_gen, betas=betas)
    opt_d = torch.optim.Adam(D.parameters(), cfg.lr_disc, betas=betas)

    def one_iteration(real):
        opt_d.zero_grad()
        d_real_loss = _lsgan(D(real), True)
        fake = G(torch.rand(bs, cfg.noise_size) * 2 - 1)
        d_fake_loss = _lsgan(D(fake), False)
        (d_real_loss + d_fake_loss).backward()
        opt_d.step()
        opt_g.zero_grad()
        g_loss = _lsgan(D(G(torch.rand(bs, cfg.noise_size) * 2 - 1)), True)
        g_loss.backward()
        opt_g.step()
        d_real_loss.item(), d_fake_loss.item(), g_loss.item()

    return one_iteration


def cyclegan(cfg, nets):
    """The Toronto handout's cyclegan_training_loop (two optimizers), or the Radboud notebook's train_cycle
    (one optimizer through gradient reversal), after cfg.trainer."""
    g_ab, g_ba, d_a, d_b = nets.g_ab, nets.g_ba, nets.d_a, nets.d_b
    lam, betas = cfg.lambda_cycle, (cfg.beta1, cfg.beta2)
    distance = cycle_loss(cfg.cycle_loss, cfg.cycle_reduction)
    if cfg.trainer == "revgrad":
        opt = torch.optim.Adam([p for m in (g_ab, g_ba, d_a, d_b) for p in m.parameters()], cfg.lr, betas=betas)
        mse = torch.nn.MSELoss()

        def one_iteration(a, b):
            fab, fba = g_ab(a), g_ba(b)
            caba, cbab = g_ba(fab), g_ab(fba)
            dra, drb = d_a(a), d_b(b)
            dfa, dfb = d_a(revgrad(fba)), d_b(revgrad(fab))
            terms = [mse(dra, torch.ones_like(dra)), mse(drb, torch.ones_like(drb)),
                     mse(dfa, torch.zeros_like(dfa)), mse(dfb, torch.zeros_like(dfb)), mse(caba, a), mse(cbab, b)]
            loss = sum(terms[:4]) + lam * (terms[4] + terms[5])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item(), [t.item() for t in terms]

        return one_iteration

    og = torch.optim.Adam(list(g_ab.parameters()) + list(g_ba.parameters()), cfg.lr, betas=betas)
    od = torch.optim.Adam(list(d_a.parameters()) + list(d_b.parameters()), cfg.lr, betas=betas)

    def one_iteration(x, y):
        od.zero_grad()
        d_real = _lsgan(d_a(x), True) + _lsgan(d_b(y), True)
        d_real.backward()
        od.step()
        od.zero_grad()
        d_fake = _lsgan(d_a(g_ba(y)), False) + _lsgan(d_b(g_ab(x)), False)
        d_fake.backward()
        od.step()
        og.zero_grad()
        fake_x = g_ba(y)
        g1 = _lsgan(d_a(fake_x), True) + lam * distance(g_ab(fake_x), y)
        g1.backward()
        og.step()
        og.zero_grad()
        fake_y = g_ab(x)
        g2 = _lsgan(d_b(fake_y), True) + lam * distance(g_ba(fake_y), x)
        g2.backward()
        og.step()
        d_real.item(), d_fake.item(), g1.item(), g2.item()

    return one_iteration
