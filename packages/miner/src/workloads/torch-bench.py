# torch_bench: the seed's matrix benchmark (100 products of 1024x1024 in float32), made into a
# result replicas agree on. The matrices hold integers below a small prime p, chosen so that every
# dot product (at most n * (p-1)^2) stays under 2^24, where float32 counts exactly: each product
# then has the same bits on any CPU or GPU, in any summation order (TF32 too: its 11-bit
# significand holds every entry). After each product the entries are reduced mod p (fmod, exact).
# The inputs come from the job's seed; the output is a SHA-256 of the final matrix's little-endian
# int32 bytes, read from the tensor itself (NumPy is not needed, and never changes it). Timings are
# printed beside it, for the metrics only.
import ctypes, hashlib, json, sys, time
import torch

params = json.loads(sys.stdin.read() or "{}")
n = int(params.get("n", 1024))
iters = int(params.get("iters", 100))
seed = int(params.get("seed", 0))
want_cuda = params.get("device", "auto") != "cpu"
device = "cuda" if want_cuda and torch.cuda.is_available() else "cpu"
if hasattr(torch, "set_float32_matmul_precision"):  # torch >= 1.12; the seed measured plain float32
    torch.set_float32_matmul_precision("highest")


def modulus(n):
    """The largest prime p <= 251 with n * (p-1)^2 < 2^24: every dot product exact in float32."""
    for p in range(251, 1, -1):
        if n * (p - 1) ** 2 < 2**24 and all(p % d for d in range(2, int(p**0.5) + 1)):
            return p
    raise ValueError(f"n={n} is too large for an exact float32 product")


def inputs(n, seed, p):
    """An n x n matrix of integers in [0, p) from the seed, by integer arithmetic (same on any torch)."""
    rows = []
    for start in range(0, n, 256):
        count = min(256, n - start)
        i = torch.arange(start * n, (start + count) * n, dtype=torch.int64)
        v = (i * 1103515245 + 12345 + seed) % 2147483648
        v = (v * 1103515245 + 12345) % 2147483648
        rows.append(((v >> 16) % p).to(torch.float32).reshape(count, n))
    return torch.cat(rows)


def digest(x):
    """SHA-256 of x's entries as little-endian int32 bytes: one encoding with or without NumPy, the one
    miners with NumPy proved before (ints.numpy().astype("<i4")), so their results stay valid."""
    ints = x.to(torch.int32).cpu().contiguous()
    if sys.byteorder == "big":  # each int's 4 bytes reversed: little-endian, as on every other host
        ints = ints.view(torch.uint8).reshape(-1, 4).flip(1).contiguous()
    # The tensor's own memory, read in place (no copy, no NumPy); `ints` stays alive meanwhile.
    size = ints.numel() * ints.element_size()
    return hashlib.sha256(memoryview((ctypes.c_char * size).from_address(ints.data_ptr()))).hexdigest()


def significant(value, digits=4):
    """`value` to `digits` significant digits: a CPU's 0.0007 TFLOP/s keeps its digits, not 4 decimals."""
    return float(f"{value:.{digits}g}")


p = modulus(n)
x = inputs(n, seed, p).to(device)
if device == "cuda":
    torch.cuda.synchronize()
start = time.perf_counter()
for _ in range(iters):
    x = torch.fmod(x @ x, p)
if device == "cuda":
    torch.cuda.synchronize()
elapsed = time.perf_counter() - start

flops = 2.0 * n * n * n * iters
print(json.dumps({
    "result": {"workload": "torch_bench", "n": n, "iters": iters, "seed": seed, "modulus": p, "digest": digest(x)},
    "throughput_ops": iters,
    "seconds": significant(elapsed),
    "tflops": significant(flops / elapsed / 1e12) if elapsed > 0 else 0,
    "n": n,
    "device": device,
    "torch": torch.__version__,
}))
