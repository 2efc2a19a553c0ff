# torch_bench: the seed's matrix benchmark (100 products of 1024x1024), with its parameters read
# from stdin and its figures printed as one JSON line for the miner.
import json, sys, time
import torch

params = json.loads(sys.stdin.read() or "{}")
n = int(params.get("n", 1024))
iters = int(params.get("iters", 100))
want_cuda = params.get("device", "auto") != "cpu"
device = "cuda" if want_cuda and torch.cuda.is_available() else "cpu"

start = time.time()
x = torch.randn(n, n, device=device)
for _ in range(iters):
    x = x @ x
if device == "cuda":
    torch.cuda.synchronize()
elapsed = time.time() - start

flops = 2.0 * n * n * n * iters
print(json.dumps({
    "throughput_ops": iters,
    "seconds": round(elapsed, 4),
    "tflops": round(flops / elapsed / 1e12, 4) if elapsed > 0 else 0,
    "n": n,
    "device": device,
    "torch": torch.__version__,
}))
