"""Train a small character-level transformer language model, then sample from it.

    python examples/char_transformer.py [--steps 400] [--device cpu] [--seed 0]

The model reads a window of characters from Shakespeare's sonnets (shipped in
examples/data/) and learns to predict each next character.  It is a decoder-only
transformer built from rt.nn.TransformerEncoder plus a causal mask, so every
position only attends to the characters before it.  Training is a plain loop
with rt.optim.AdamW; the loss should fall from ~ln(58) = 4.1 (uniform guessing) to about 2 within
the default steps, and the sample at the end should look like English-ish verse.
"""
import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import rustorch as rt  # noqa: E402
from rustorch import nn  # noqa: E402
from rustorch.nn import functional as F  # noqa: E402

DEFAULT_TEXT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "shakespeare_sonnets.txt")


def load_text(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    return "\n".join(lines[2:]) + "\n"  # skip the header line naming the work


class CharTransformer(nn.Module):
    def __init__(self, vocab_size, context, d_model, nhead, num_layers, dropout):
        super().__init__()
        self.context = context
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Embedding(context, d_model)  # learned positions
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=4 * d_model, dropout=dropout,
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)
        # the causal mask: -inf above the diagonal hides the future
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(context),
                             persistent=False)

    def forward(self, idx):
        length = idx.shape[1]
        pos = rt.arange(length, device=idx.device)
        x = self.token(idx) + self.position(pos)
        x = self.blocks(x, mask=self.mask[:length, :length], is_causal=True)
        return self.head(self.norm(x))


def get_batch(data, batch_size, context, gen, device):
    starts = rt.randint(0, data.shape[0] - context - 1, (batch_size,), generator=gen)
    offsets = starts.unsqueeze(1) + rt.arange(context + 1).unsqueeze(0)
    window = data[offsets]  # (batch, context + 1)
    return window[:, :-1].to(device), window[:, 1:].to(device)


@rt.no_grad()
def sample(model, prompt_ids, length, temperature, gen):
    model.eval()
    ids = prompt_ids
    for _ in range(length):
        logits = model(ids[:, -model.context:])[:, -1, :] / temperature
        probs = F.softmax(logits, dim=-1)
        nxt = rt.multinomial(probs.cpu(), 1, generator=gen).to(ids.device)
        ids = rt.cat([ids, nxt], dim=1)
    model.train()
    return ids[0].tolist()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--text", default=DEFAULT_TEXT, help="a UTF-8 text file to learn")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--context", type=int, default=64)
    ap.add_argument("--d-model", type=int, default=64)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--log-every", type=int, default=25)
    ap.add_argument("--sample-chars", type=int, default=200)
    args = ap.parse_args(argv)

    rt.manual_seed(args.seed)  # parameter init
    gen = rt.Generator().manual_seed(args.seed)  # batches and sampling
    text = load_text(args.text)
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = rt.tensor([stoi[c] for c in text], dtype=rt.int64)
    if data.shape[0] <= args.context + 1:
        raise SystemExit(f"{args.text}: {data.shape[0]} characters is too short for --context {args.context}")

    model = CharTransformer(len(chars), args.context, args.d_model, args.heads, args.layers,
                            args.dropout).to(args.device)
    opt = rt.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = rt.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, args.steps), eta_min=args.lr / 10)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{len(text)} characters, vocabulary {len(chars)}, {n_params} parameters, device {args.device}")
    print(f"uniform guessing would score loss {math.log(len(chars)):.4f}")

    first = last = None
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        x, y = get_batch(data, args.batch_size, args.context, gen, args.device)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        last = loss.item()
        first = last if first is None else first
        if step == 1 or step % args.log_every == 0 or step == args.steps:
            print(f"step {step:5d}  loss {last:.4f}  ({time.perf_counter() - start:.1f}s)", flush=True)
    print(f"loss fell from {first:.4f} to {last:.4f}")

    prompt = rt.tensor([[stoi[c] for c in "Shall I "]], device=args.device)
    out = sample(model, prompt, args.sample_chars, temperature=0.8, gen=gen)
    print("--- sample ---")
    print("".join(chars[i] for i in out))
    return 0 if last < first else 1


if __name__ == "__main__":
    sys.exit(main())
