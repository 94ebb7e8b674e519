"""Networks as students write them from the handouts' specs, to train with --generator/--discriminator.

Toronto PA4: DCGenerator(noise_size, conv_dim) drawn with ConvTranspose2d (as many students
do, instead of the handout's upsample + conv), DCDiscriminator(conv_dim) whose output is
squeezed to (B,), CycleGenerator(conv_dim). Radboud assignment 9: the moons networks as the
notebook writes them. WrongSizeGenerator is a mistake on purpose: 28x28 images.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def deconv(in_channels, out_channels, kernel_size, stride=2, padding=1, batch_norm=True):
    layers = [nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride, padding, bias=False)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    return nn.Sequential(*layers)


def conv(in_channels, out_channels, kernel_size, stride=2, padding=2, batch_norm=True):
    layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=False)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    return nn.Sequential(*layers)


class DCGenerator(nn.Module):
    def __init__(self, noise_size, conv_dim):
        super().__init__()
        self.conv_dim = conv_dim
        self.linear_bn = nn.Sequential(nn.Linear(noise_size, conv_dim * 4 * 4 * 4), nn.BatchNorm1d(conv_dim * 4 * 4 * 4))
        self.deconv1 = deconv(conv_dim * 4, conv_dim * 2, 4)
        self.deconv2 = deconv(conv_dim * 2, conv_dim, 4)
        self.deconv3 = deconv(conv_dim, 3, 4, batch_norm=False)

    def forward(self, z):
        out = F.relu(self.linear_bn(z.view(z.shape[0], -1))).view(-1, self.conv_dim * 4, 4, 4)  # BS x 128 x 4 x 4
        out = F.relu(self.deconv1(out))      # BS x 64 x 8 x 8
        out = F.relu(self.deconv2(out))      # BS x 32 x 16 x 16
        return torch.tanh(self.deconv3(out))  # BS x 3 x 32 x 32


class DCDiscriminator(nn.Module):
    def __init__(self, conv_dim=64):
        super().__init__()
        self.conv1 = conv(3, conv_dim, 5)
        self.conv2 = conv(conv_dim, conv_dim * 2, 5)
        self.conv3 = conv(conv_dim * 2, conv_dim * 4, 5)
        self.conv4 = conv(conv_dim * 4, 1, 5, padding=1, batch_norm=False)

    def forward(self, x):
        out = F.relu(self.conv1(x))
        out = F.relu(self.conv2(out))
        out = F.relu(self.conv3(out))
        return self.conv4(out).squeeze()


class ResnetBlock(nn.Module):
    def __init__(self, conv_dim):
        super().__init__()
        self.conv_layer = conv(conv_dim, conv_dim, 3, stride=1, padding=1)

    def forward(self, x):
        return x + self.conv_layer(x)


class CycleGenerator(nn.Module):
    def __init__(self, conv_dim=64, init_zero_weights=False):
        super().__init__()
        self.conv1 = conv(3, conv_dim, 4, padding=1)
        self.conv2 = conv(conv_dim, conv_dim * 2, 4, padding=1)
        self.resnet_block = ResnetBlock(conv_dim * 2)
        self.deconv1 = deconv(conv_dim * 2, conv_dim, 4)
        self.deconv2 = deconv(conv_dim, 3, 4, batch_norm=False)

    def forward(self, x):
        out = F.relu(self.conv1(x))
        out = F.relu(self.conv2(out))
        out = F.relu(self.resnet_block(out))
        out = F.relu(self.deconv1(out))
        return torch.tanh(self.deconv2(out))


class WrongSizeGenerator(DCGenerator):
    """The last layer a size off: 28x28 images."""

    def forward(self, z):
        return F.interpolate(super().forward(z), size=28)


class MoonGenerator(nn.Module):
    def __init__(self, input_size=100, output_size=2):
        super().__init__()
        self.input_size = input_size
        self.net = nn.Sequential(nn.Linear(input_size, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                                 nn.Linear(100, output_size))

    def forward(self, x):
        return self.net(x)


class MoonDiscriminator(nn.Module):
    def __init__(self, inputs=2, hiddens=1024):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(inputs, hiddens), nn.ReLU(), nn.Linear(hiddens, hiddens), nn.ReLU(),
                                 nn.Linear(hiddens, 1))

    def forward(self, x):
        return self.net(x)
