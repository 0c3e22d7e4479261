"""airbench94 in PyTorch on the CPU, float32: a faithful port of airbench 0.1.8's
``lib_airbench94.py`` and ``utils.py`` (Keller Jordan), for the side-by-side with
``examples/cifar10_speedrun.py``. Changes from the GPU original, and nothing else:

* no ``.cuda()`` / ``.half()``: float32 on the CPU (BatchNorm was float32 there already);
* the data comes from the official CIFAR-10 pickles through ``minicnn.data.load_cifar10`` (the
  same arrays minicnn trains on) instead of torchvision;
* wall-clock timing (``time.perf_counter``) instead of CUDA events, counting what airbench counts
  (whitening init, training steps, the TTA evaluation);
* glibc's malloc keeps freed memory (``minicnn.kernels.memory``, as the minicnn example does;
  ``--malloc-default`` turns it off);
* ``--seed`` seeds torch; ``--profile N`` times N training steps after one warm-up step;
  ``--no-channels-last`` keeps NCHW (airbench uses channels_last).

    python benchmarks/airbench94_torch.py [--seed 0] [--epochs 9.9] [--profile 3]

PyTorch is an optional extra (``pip install torch``); minicnn itself never imports it.
"""
import argparse
import math
import resource
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

try:
    import torch
    from torch import nn
    import torch.nn.functional as F
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise SystemExit("benchmarks/airbench94_torch.py needs PyTorch (pip install torch); "
                     f"it is an optional extra of minicnn: {exc}")

from benchmarks.guards import cpu_description, describe_cpu, load_average  # noqa: E402
from minicnn.data import load_cifar10  # noqa: E402
from minicnn.kernels.memory import retain_freed_memory  # noqa: E402

hyp = {
    'opt': {'train_epochs': 9.9, 'batch_size': 1024, 'lr': 11.5, 'momentum': 0.85, 'weight_decay': 0.0153,
            'bias_scaler': 64.0, 'label_smoothing': 0.2, 'whiten_bias_epochs': 3},
    'aug': {'flip': True, 'translate': 2},
    'net': {'widths': {'block1': 64, 'block2': 256, 'block3': 256}, 'batchnorm_momentum': 0.6,
            'scaling_factor': 1 / 9, 'tta_level': 2},
}
CHANNELS_LAST = True


# ----------------------------------------------------------------------------- network (lib_airbench94.py)
class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


class Mul(nn.Module):
    def __init__(self, scale):
        super().__init__()
        self.scale = scale

    def forward(self, x):
        return x * self.scale


class BatchNorm(nn.BatchNorm2d):
    def __init__(self, num_features, momentum, eps=1e-12, weight=False, bias=True):
        super().__init__(num_features, eps=eps, momentum=1 - momentum)
        self.weight.requires_grad = weight
        self.bias.requires_grad = bias


class Conv(nn.Conv2d):
    def __init__(self, in_channels, out_channels, kernel_size=3, padding='same', bias=False):
        super().__init__(in_channels, out_channels, kernel_size=kernel_size, padding=padding, bias=bias)

    def reset_parameters(self):
        super().reset_parameters()
        if self.bias is not None:
            self.bias.data.zero_()
        w = self.weight.data
        torch.nn.init.dirac_(w[:w.size(1)])


class ConvGroup(nn.Module):
    def __init__(self, channels_in, channels_out, batchnorm_momentum):
        super().__init__()
        self.conv1 = Conv(channels_in, channels_out)
        self.pool = nn.MaxPool2d(2)
        self.norm1 = BatchNorm(channels_out, batchnorm_momentum)
        self.conv2 = Conv(channels_out, channels_out)
        self.norm2 = BatchNorm(channels_out, batchnorm_momentum)
        self.activ = nn.GELU()

    def forward(self, x):
        x = self.conv1(x)
        x = self.pool(x)
        x = self.norm1(x)
        x = self.activ(x)
        x = self.conv2(x)
        x = self.norm2(x)
        x = self.activ(x)
        return x


def make_net94(widths=hyp['net']['widths'], batchnorm_momentum=hyp['net']['batchnorm_momentum']):
    whiten_kernel_size = 2
    whiten_width = 2 * 3 * whiten_kernel_size ** 2
    net = nn.Sequential(
        Conv(3, whiten_width, whiten_kernel_size, padding=0, bias=True),
        nn.GELU(),
        ConvGroup(whiten_width, widths['block1'], batchnorm_momentum),
        ConvGroup(widths['block1'], widths['block2'], batchnorm_momentum),
        ConvGroup(widths['block2'], widths['block3'], batchnorm_momentum),
        nn.MaxPool2d(3),
        Flatten(),
        nn.Linear(widths['block3'], 10, bias=False),
        Mul(hyp['net']['scaling_factor']),
    )
    net[0].weight.requires_grad = False
    if CHANNELS_LAST:
        net = net.to(memory_format=torch.channels_last)
    return net


# ----------------------------------------------------------------------------- data (utils.py)
CIFAR_MEAN = torch.tensor((0.4914, 0.4822, 0.4465))
CIFAR_STD = torch.tensor((0.2470, 0.2435, 0.2616))


def normalize(images):
    return (images - CIFAR_MEAN.view(1, 3, 1, 1)) / CIFAR_STD.view(1, 3, 1, 1)


def batch_flip_lr(inputs):
    flip_mask = (torch.rand(len(inputs), device=inputs.device) < 0.5).view(-1, 1, 1, 1)
    return torch.where(flip_mask, inputs.flip(-1), inputs)


def batch_crop(images, crop_size):
    r = (images.size(-1) - crop_size) // 2
    shifts = torch.randint(-r, r + 1, size=(len(images), 2), device=images.device)
    images_out = torch.empty((len(images), 3, crop_size, crop_size), device=images.device, dtype=images.dtype)
    if r <= 2:
        for sy in range(-r, r + 1):
            for sx in range(-r, r + 1):
                mask = (shifts[:, 0] == sy) & (shifts[:, 1] == sx)
                images_out[mask] = images[mask, :, r + sy:r + sy + crop_size, r + sx:r + sx + crop_size]
    else:
        images_tmp = torch.empty((len(images), 3, crop_size, crop_size + 2 * r), device=images.device,
                                 dtype=images.dtype)
        for s in range(-r, r + 1):
            mask = (shifts[:, 0] == s)
            images_tmp[mask] = images[mask, :, r + s:r + s + crop_size, :]
        for s in range(-r, r + 1):
            mask = (shifts[:, 1] == s)
            images_out[mask] = images_tmp[mask, :, :, r + s:r + s + crop_size]
    return images_out


class CifarLoader:
    """utils.CifarLoader over uint8 NHWC arrays (cutout, unused by airbench94, left out)."""

    def __init__(self, images, labels, train=True, batch_size=500, aug=None, drop_last=None, shuffle=None,
                 altflip=False):
        self.epoch = 0
        self.images = torch.tensor(images).float().div(255).permute(0, 3, 1, 2)
        if CHANNELS_LAST:
            self.images = self.images.contiguous(memory_format=torch.channels_last)
        self.labels = torch.tensor(labels).long()
        self.proc_images = {}
        self.aug = aug or {}
        self.batch_size = batch_size
        self.drop_last = train if drop_last is None else drop_last
        self.shuffle = train if shuffle is None else shuffle
        self.altflip = altflip

    def __len__(self):
        n = len(self.images)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        if self.epoch == 0:
            images = self.proc_images['norm'] = normalize(self.images)
            if self.aug.get('flip', False):
                images = self.proc_images['flip'] = batch_flip_lr(images)
            pad = self.aug.get('translate', 0)
            if pad > 0:
                self.proc_images['pad'] = F.pad(images, (pad,) * 4, 'reflect')
        if self.aug.get('translate', 0) > 0:
            images = batch_crop(self.proc_images['pad'], self.images.shape[-2])
        elif self.aug.get('flip', False):
            images = self.proc_images['flip']
        else:
            images = self.proc_images['norm']
        if self.aug.get('flip', False):
            if self.altflip:
                if self.epoch % 2 == 1:
                    images = images.flip(-1)
            else:
                images = batch_flip_lr(images)
        self.epoch += 1
        indices = (torch.randperm if self.shuffle else torch.arange)(len(images), device=images.device)
        for i in range(len(self)):
            idxs = indices[i * self.batch_size:(i + 1) * self.batch_size]
            yield images[idxs], self.labels[idxs]


# ----------------------------------------------------------------------------- whitening, lookahead, TTA
def get_patches(x, patch_shape):
    c, (h, w) = x.shape[1], patch_shape
    return x.unfold(2, h, 1).unfold(3, w, 1).transpose(1, 3).reshape(-1, c, h, w).float()


def get_whitening_parameters(patches):
    n, c, h, w = patches.shape
    patches_flat = patches.view(n, -1)
    est_patch_covariance = (patches_flat.T @ patches_flat) / n
    eigenvalues, eigenvectors = torch.linalg.eigh(est_patch_covariance, UPLO='U')
    return eigenvalues.flip(0).view(-1, 1, 1, 1), eigenvectors.T.reshape(c * h * w, c, h, w).flip(0)


def init_whitening_conv(layer, train_set, eps=5e-4):
    patches = get_patches(train_set, patch_shape=layer.weight.data.shape[2:])
    eigenvalues, eigenvectors = get_whitening_parameters(patches)
    eigenvectors_scaled = eigenvectors / torch.sqrt(eigenvalues + eps)
    layer.weight.data[:] = torch.cat((eigenvectors_scaled, -eigenvectors_scaled))


class LookaheadState:
    def __init__(self, net):
        self.net_ema = {k: v.clone() for k, v in net.state_dict().items()}

    def update(self, net, decay):
        for ema_param, net_param in zip(self.net_ema.values(), net.state_dict().values()):
            if net_param.dtype in (torch.half, torch.float):
                ema_param.lerp_(net_param, 1 - decay)
                net_param.copy_(ema_param)


def infer(model, loader, tta_level=0):
    def infer_basic(inputs, net):
        return net(inputs).clone()

    def infer_mirror(inputs, net):
        return 0.5 * net(inputs) + 0.5 * net(inputs.flip(-1))

    def infer_mirror_translate(inputs, net):
        logits = infer_mirror(inputs, net)
        pad = 1
        padded_inputs = F.pad(inputs, (pad,) * 4, 'reflect')
        inputs_translate_list = [padded_inputs[:, :, 0:32, 0:32], padded_inputs[:, :, 2:34, 2:34]]
        logits_translate_list = [infer_mirror(inputs_translate, net) for inputs_translate in inputs_translate_list]
        logits_translate = torch.stack(logits_translate_list).mean(0)
        return 0.5 * logits + 0.5 * logits_translate

    model.eval()
    test_images = normalize(loader.images)
    infer_fn = [infer_basic, infer_mirror, infer_mirror_translate][tta_level]
    with torch.no_grad():
        return torch.cat([infer_fn(inputs, model) for inputs in test_images.split(500)])


def evaluate(model, loader, tta_level=0):
    logits = infer(model, loader, tta_level)
    return (logits.argmax(1) == loader.labels).float().mean().item()


def peak_memory_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------- training (utils.train)
def train(train_loader, test_loader, epochs, label_smoothing=hyp['opt']['label_smoothing'],
          learning_rate=hyp['opt']['lr'], bias_scaler=hyp['opt']['bias_scaler'], momentum=hyp['opt']['momentum'],
          weight_decay=hyp['opt']['weight_decay'], whiten_bias_epochs=hyp['opt']['whiten_bias_epochs'],
          tta_level=hyp['net']['tta_level'], profile_steps=None, widths=hyp['net']['widths']):
    batch_size = train_loader.batch_size
    kilostep_scale = 1024 * (1 + 1 / (1 - momentum))
    lr = learning_rate / kilostep_scale
    wd = weight_decay * batch_size / kilostep_scale
    lr_biases = lr * bias_scaler

    loss_fn = nn.CrossEntropyLoss(label_smoothing=label_smoothing, reduction='none')
    total_train_steps = math.ceil(len(train_loader) * epochs)

    model = make_net94(widths)
    current_steps = 0

    norm_biases = [p for k, p in model.named_parameters() if 'norm' in k and p.requires_grad]
    other_params = [p for k, p in model.named_parameters() if 'norm' not in k and p.requires_grad]
    param_configs = [dict(params=norm_biases, lr=lr_biases, weight_decay=wd / lr_biases),
                     dict(params=other_params, lr=lr, weight_decay=wd / lr)]
    optimizer = torch.optim.SGD(param_configs, momentum=momentum, nesterov=True)

    def triangle(steps, start=0, end=0, peak=0.5):
        xp = torch.tensor([0, int(peak * steps), steps])
        fp = torch.tensor([start, 1, end])
        x = torch.arange(1 + steps)
        m = (fp[1:] - fp[:-1]) / (xp[1:] - xp[:-1])
        b = fp[:-1] - (m * xp[:-1])
        indices = torch.sum(torch.ge(x[:, None], xp[None, :]), 1) - 1
        indices = torch.clamp(indices, 0, len(m) - 1)
        return m[indices] * x + b[indices]
    lr_schedule = triangle(total_train_steps, start=0.2, end=0.07, peak=0.23)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda i: lr_schedule[i])

    alpha_schedule = 0.95 ** 5 * (torch.arange(total_train_steps + 1) / total_train_steps) ** 3
    lookahead_state = LookaheadState(model)

    total_time_seconds = 0.0
    t = time.perf_counter()
    train_images = normalize(train_loader.images[:5000])
    init_whitening_conv(model[0], train_images)
    total_time_seconds += time.perf_counter() - t

    if profile_steps:
        return profile(model, train_loader, loss_fn, optimizer, scheduler, profile_steps, total_train_steps)

    print("epoch  train_loss  train_acc  test_acc  epoch_seconds")
    for epoch in range(math.ceil(epochs)):
        model[0].bias.requires_grad = (epoch < whiten_bias_epochs)
        t = time.perf_counter()
        model.train()
        for inputs, labels in train_loader:
            outputs = model(inputs)
            loss = loss_fn(outputs, labels).sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            current_steps += 1
            if current_steps % 5 == 0:
                lookahead_state.update(model, decay=alpha_schedule[current_steps].item())
            if current_steps >= total_train_steps:
                if lookahead_state is not None:
                    lookahead_state.update(model, decay=1.0)
                break
        seconds = time.perf_counter() - t
        total_time_seconds += seconds
        train_acc = (outputs.detach().argmax(1) == labels).float().mean().item()
        train_loss = loss.item() / batch_size
        val_acc = evaluate(model, test_loader, tta_level=0)
        print(f"{epoch + 1:5d}  {train_loss:10.4f}  {train_acc:9.4f}  {val_acc:8.4f}  {seconds:13.1f}", flush=True)

    t = time.perf_counter()
    tta_val_acc = evaluate(model, test_loader, tta_level)
    total_time_seconds += time.perf_counter() - t
    return val_acc, tta_val_acc, total_time_seconds


def profile(model, train_loader, loss_fn, optimizer, scheduler, steps, total_train_steps):
    model.train()
    t = time.perf_counter()
    batches = iter(train_loader)
    inputs, labels = next(batches)
    data_first = time.perf_counter() - t
    timings = []
    for i in range(steps + 1):  # step 0 is the warm-up
        if i:
            inputs, labels = next(batches)
        t = time.perf_counter()
        loss = loss_fn(model(inputs), labels).sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        timings.append(time.perf_counter() - t)
    step = sum(timings[1:]) / steps
    print(f"profile: {steps} steps of batch {len(labels)} after one warm-up step ({timings[0]:.3f} s); "
          f"first epoch's data preparation {data_first:.3f} s")
    print(f"  step (forward, backward, optimizer): {step:.3f} s")
    print(f"projected training: {total_train_steps} steps x {step:.3f} s = {total_train_steps * step / 60:.1f} min "
          "(plus TTA evaluation)")
    print(f"peak memory: {peak_memory_mb():.0f} MB")
    return {"step_seconds": step}


def main(argv=None):
    global CHANNELS_LAST
    p = argparse.ArgumentParser(prog="python benchmarks/airbench94_torch.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=float, default=hyp['opt']['train_epochs'])
    p.add_argument("--profile", type=int, metavar="STEPS", help="time STEPS steps instead of training")
    p.add_argument("--no-channels-last", action="store_true")
    p.add_argument("--smoke", action="store_true", help="tiny run: 256 images, batch 64, narrow net, 1 epoch")
    p.add_argument("--data-dir")
    p.add_argument("--malloc-default", action="store_true",
                   help="keep glibc's malloc thresholds (default: retain freed memory, as the minicnn example)")
    args = p.parse_args(argv)
    if not args.malloc_default:
        retain_freed_memory()
    CHANNELS_LAST = not args.no_channels_last
    torch.manual_seed(args.seed)
    print(f"# {describe_cpu(cpu_description())}; 1-minute load {load_average():.2f}; PyTorch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, {torch.backends.cpu.get_cpu_capability()}", flush=True)
    (x_train, y_train), (x_test, y_test), _ = load_cifar10(args.data_dir, download=False)
    batch_size, widths, epochs = hyp['opt']['batch_size'], hyp['net']['widths'], args.epochs
    if args.smoke:
        x_train, y_train, x_test, y_test = x_train[:256], y_train[:256], x_test[:200], y_test[:200]
        batch_size, widths, epochs = 64, {'block1': 16, 'block2': 32, 'block3': 32}, 1
    train_loader = CifarLoader(x_train, y_train, train=True, batch_size=batch_size, aug=hyp['aug'], altflip=True)
    test_loader = CifarLoader(x_test, y_test, train=False, batch_size=2000)
    out = train(train_loader, test_loader, epochs, profile_steps=args.profile, widths=widths)
    if args.profile:
        return out
    val_acc, tta_acc, seconds = out
    print(f"RESULT airbench94_torch seed={args.seed} test_acc={val_acc:.4f} tta_test_acc={tta_acc:.4f} "
          f"train_seconds={seconds:.1f} peak_memory_mb={peak_memory_mb():.0f}")
    return {"test_accuracy": val_acc, "tta_test_accuracy": tta_acc, "train_seconds": seconds,
            "peak_memory_mb": peak_memory_mb(), "seed": args.seed}


if __name__ == "__main__":
    main()
