#!/usr/bin/env python3
"""PyTorch side of `weightgen bench engine`: times the same cases on the CPU.

Prints one JSON object {"torch": version, "threads": n, "cases": {name: seconds}} on stdout,
or {"skipped": reason} when torch cannot be imported. Shapes, threads and repeat counts come
from the command line so both sides run the same work in the same process run.
"""
from peer_common import median_time, report, start_peer, transformer_block


def conv_case(torch, n, cin, cout, size):
    x = torch.randn(n, cin, size, size, requires_grad=True)
    w = torch.randn(cout, cin, 3, 3, requires_grad=True)
    b = torch.zeros(cout, requires_grad=True)
    g = torch.randn(n, cout, size, size)

    def step():
        x.grad = w.grad = b.grad = None
        y = torch.nn.functional.conv2d(x, w, b, stride=1, padding=1)
        y.backward(g)
    return step


def transformer_case(torch, batch, tokens, width, heads):
    block = transformer_block(torch, width, heads)
    x = torch.randn(batch, tokens, width, requires_grad=True)

    def step():
        block.zero_grad(set_to_none=True)
        x.grad = None
        block(x).square().mean().backward()
    return step


def message_passing_case(torch, edges, nodes, width):
    index = torch.arange(edges) * 7919 % nodes
    x = torch.randn(edges, width, requires_grad=True)
    g = torch.randn(edges, width)

    def step():
        x.grad = None
        summed = torch.zeros(nodes, width).index_add(0, index, x)
        summed.index_select(0, index).backward(g)
    return step


def eigh_case(torch, size):
    n = size
    a = ((torch.arange(n * n, dtype=torch.float64) * 7919) % 2001 / 1000 - 1).reshape(n, n)
    m = a @ a.T / n

    def step():
        torch.linalg.eigh(m)
    return step


def unet_case(torch, batch, size, features):
    nn = torch.nn

    def block(cin, cout, stride):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.InstanceNorm2d(cout, eps=1e-5, affine=True),
                             nn.LeakyReLU(0.01, inplace=True))

    class PlainConvUNet(nn.Module):
        """nnU-Net's PlainConvUNet layout: 2 convs per stage, strided-conv downsampling,
        transposed-conv upsampling, concat skips, 1x1 head."""

        def __init__(self):
            super().__init__()
            self.enc = nn.ModuleList()
            cin = 1
            for s, f in enumerate(features):
                self.enc.append(nn.Sequential(block(cin, f, 1 if s == 0 else 2), block(f, f, 1)))
                cin = f
            self.up = nn.ModuleList()
            self.dec = nn.ModuleList()
            for s in range(len(features) - 1, 0, -1):
                self.up.append(nn.ConvTranspose2d(features[s], features[s - 1], 2, 2))
                self.dec.append(nn.Sequential(block(2 * features[s - 1], features[s - 1], 1),
                                              block(features[s - 1], features[s - 1], 1)))
            self.head = nn.Conv2d(features[0], 2, 1)

        def forward(self, x):
            skips = []
            for stage in self.enc:
                x = stage(x)
                skips.append(x)
            x = skips[-1]
            for i, (up, dec) in enumerate(zip(self.up, self.dec)):
                x = dec(torch.cat((up(x), skips[-(i + 2)]), 1))
            return self.head(x)

    def dice_ce(logits, target):
        ce = torch.nn.functional.cross_entropy(logits, target)
        p = torch.softmax(logits, 1)[:, 1:]
        onehot = torch.nn.functional.one_hot(target, 2).permute(0, 3, 1, 2)[:, 1:].float()
        axes = (0, 2, 3)  # batch dice
        intersect = (p * onehot).sum(axes)
        dc = (2 * intersect + 1e-5) / torch.clip(onehot.sum(axes) + p.sum(axes) + 1e-5, 1e-8)
        return ce - dc.mean()

    net = PlainConvUNet()
    opt = torch.optim.SGD(net.parameters(), lr=1e-2, momentum=0.99, nesterov=True, weight_decay=3e-5)
    x = torch.randn(batch, 1, size, size)
    target = (torch.rand(batch, size, size) > 0.7).long()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = dice_ce(net(x), target)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 12)
        opt.step()
    return step


def main():
    started = start_peer(repeats=10, warmup=3)
    if started is None:
        return
    args, spec, torch = started
    builders = {"conv": conv_case, "transformer": transformer_case, "message_passing": message_passing_case, "eigh": eigh_case,
                "unet": unet_case}
    results = {}
    for case in spec:
        step = builders[case["kind"]](torch, **case["shape"])
        results[case["name"]] = median_time(step, args.repeats, args.warmup)
    report(torch, args, results)


if __name__ == "__main__":
    main()
