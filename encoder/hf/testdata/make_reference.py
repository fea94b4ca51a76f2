# Reference data for the Go tokenizer.json / BERT implementation.
# Runs once on the device machine (tokenizers, transformers, sentencepiece,
# torch installed there). Every section is independent: a failure is logged
# and the others still run. Everything lands in $OUT/ref.tar.gz.
import os, sys, json, traceback, time, random, tarfile, io, struct

OUT = os.environ.get("OUT", "/tmp/out")
os.makedirs(OUT, exist_ok=True)
HERE = os.path.dirname(os.path.abspath(__file__))
FILES = {}
LOG = open(os.path.join(OUT, "log.txt"), "w")


def log(*a):
    s = " ".join(str(x) for x in a)
    print(s, flush=True)
    LOG.write(s + "\n")
    LOG.flush()


def put(name, obj):
    if isinstance(obj, (bytes, bytearray)):
        FILES[name] = bytes(obj)
    elif isinstance(obj, str):
        FILES[name] = obj.encode()
    else:
        FILES[name] = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    log("put", name, len(FILES[name]))


def flush():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in FILES.items():
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    with open(os.path.join(OUT, "ref.tar.gz"), "wb") as f:
        f.write(buf.getvalue())


def section(fn):
    t0 = time.time()
    log("== start", fn.__name__)
    try:
        fn()
        log("== ok", fn.__name__, "%.1fs" % (time.time() - t0))
    except Exception:
        log("== FAILED", fn.__name__)
        log(traceback.format_exc())
    flush()


import tokenizers
from tokenizers import Tokenizer, Regex, AddedToken, normalizers, pre_tokenizers, processors, models

log("tokenizers", tokenizers.__version__)

# Code points worth scanning: planes 0-3 hold every assigned character except
# the tag/variation-selector block in plane 14 and private use planes.
CPS = [c for c in range(0x0, 0x323B0) if not (0xD800 <= c <= 0xDFFF)] + list(range(0xE0000, 0xE0200)) + [0xF0000, 0xFFFFD, 0x100000, 0x10FFFD, 0x40000, 0x10FFFF]


def ranges(cs):
    cs = sorted(cs)
    out = []
    for c in cs:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


@section
def unicode_tables():
    res = {"scanned": ranges(CPS)}
    bn = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    removed, space, other = [], [], []
    for c in CPS:
        ch = chr(c)
        s = bn.normalize_str(ch)
        if s == ch:
            continue
        if s == "":
            removed.append(c)
        elif s == " ":
            space.append(c)
        else:
            other.append([c, s])
    res["clean_removed"] = ranges(removed)
    res["clean_space"] = ranges(space)
    res["clean_other"] = other
    bp = pre_tokenizers.BertPreTokenizer()
    punct, ws, odd = [], [], []
    for c in CPS:
        ch = chr(c)
        parts = [p[0] for p in bp.pre_tokenize_str("a" + ch + "b")]
        if parts == ["a", ch, "b"]:
            punct.append(c)
        elif parts == ["a", "b"]:
            ws.append(c)
        elif parts != ["a" + ch + "b"]:
            odd.append([c, parts])
    res["bert_punct"] = ranges(punct)
    res["bert_space"] = ranges(ws)
    res["bert_odd"] = odd
    lc = normalizers.Lowercase()
    res["lowercase"] = [[c, lc.normalize_str(chr(c))] for c in CPS if lc.normalize_str(chr(c)) != chr(c)]
    sa = normalizers.StripAccents()
    res["strip_accents_removed"] = ranges([c for c in CPS if sa.normalize_str(chr(c)) == ""])
    for name, n in [("nfd", normalizers.NFD()), ("nfkd", normalizers.NFKD()), ("nfc", normalizers.NFC()), ("nfkc", normalizers.NFKC())]:
        res[name] = [[c, n.normalize_str(chr(c))] for c in CPS if n.normalize_str(chr(c)) != chr(c)]
    nmt = normalizers.Nmt()
    res["nmt"] = [[c, nmt.normalize_str(chr(c))] for c in CPS if nmt.normalize_str(chr(c)) != chr(c)]
    # Whitespace pre-tokenizer: \w+|[^\w\s]+ over "a" + ch + "a".
    wp = pre_tokenizers.Whitespace()
    word, space2, odd2 = [], [], []
    for c in CPS:
        ch = chr(c)
        parts = [p[0] for p in wp.pre_tokenize_str("a" + ch + "a")]
        if parts == ["a" + ch + "a"]:
            word.append(c)
        elif parts == ["a", "a"]:
            space2.append(c)
        elif parts != ["a", ch, "a"]:
            odd2.append([c, parts])
    res["ws_word"] = ranges(word)
    res["ws_space"] = ranges(space2)
    res["ws_odd"] = odd2
    wsp = pre_tokenizers.WhitespaceSplit()
    res["wssplit_space"] = ranges([c for c in CPS if [p[0] for p in wsp.pre_tokenize_str("a" + chr(c) + "a")] == ["a", "a"]])
    dg = pre_tokenizers.Digits(individual_digits=True)
    res["digits"] = ranges([c for c in CPS if len(dg.pre_tokenize_str("a" + chr(c) + "a")) == 3])
    pu = pre_tokenizers.Punctuation()
    res["punct"] = ranges([c for c in CPS if len(pu.pre_tokenize_str("a" + chr(c) + "a")) == 3])
    put("unicode.json", res)


TEXTS = [
    "", " ", "  ", "a", "Hello world", "Hello [MASK] world", "[CLS] starts", "ends [SEP]", "x[MASK]y", "[mask] lower",
    "<mask> in unigram", "hello <mask>world", "hello<mask> world", "<s>raw</s>", "new york is big", "New York", "newyork",
    "性价比高的运动鞋", "我喜欢iPhone手机和MacBook", "Misérables, Les (1995) Drama War", "CAFÉ naïve résumé",
    "e\u0301 vs \u00e9", "a\u0308\u0301 stacked", "o\u0323\u0302 ordered", "\u1100\u1161\u11a8 jamo", "한국어 텍스트", "\uff76\uff9e halfwidth",
    "\ufb01ne ligature", "① ② ⑳", "Ⅻ roman", "㍿ square", "مرحبا بالعالم", "สวัสดีครับ", "नमस्ते दुनिया", "👨\u200d👩\u200d👧 family", "🇫🇷 flag",
    "👍🏽 tone", "☺\ufe0f vs ☺", "zero\u200bwidth\u200djoin", "\ufeffbom", "ctrl\x00\x01\x07\x7f chars", "nel\u0085line", "nb\u00a0sp",
    "ideo\u3000space", "line\u2028sep", "tab\tnew\nline\rcr", "İstanbul", "Straße groß", "ΣΊΣΥΦΟΣ ς", "Привет МИР", "ǅ titlecase",
    "x² ½ ¾", "٣٤٥ arabic digits", "१२३ devanagari", "𝐀𝐁𝐂 math", "ℌ𝔢𝔩𝔩𝔬", "\ue000 private", "\U000e0001tag", "\U0001f970 newer emoji",
    "\U0001faf6 newest emoji", "\u2e5d punct15", "price: $5 + 3 = <8> ^ `x` | ~y", "don't stop-believing, it's 2024!",
    "a" * 120, "supercalifragilisticexpialidocious" * 4, "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn",
    "  multiple   spaces\tand\ttabs  ", "   leading", "trailing   ", "a  b   c    d", "ｆｕｌｌｗｉｄｔｈ\u3000ｔｅｘｔ", "ＡＢＣ１２３",
    "Toy Story (1995) Adventure Animation Children Comedy Fantasy", "\u0301leading combining", "\u00ad soft hyphen", "\u2581 lower one eighth",
    "\ufffd replacement", "e\u0301\u0301\u0301\u0301 many marks", "\u0915\u094d\u0937\u093f cluster", "\U0001f469\u200d\U0001f4bb coder",
    "123456789 0123", "3.14159 and 2,718", "email@example.com http://x.y/z?q=1", "C++ & C# / F#", "…—–‘’“”", "¿Qué? ¡Sí!",
]


def random_texts(n, seed):
    import unicodedata
    rng = random.Random(seed)
    pools = [
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
        " \t\n\r\u00a0\u3000\u2009\u200b\u2028\x0b\x0c\u0085", "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年",
        "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿĀāĂăĄąĆćİıŁłŒœŠšŸŽž", "\u0300\u0301\u0302\u0303\u0308\u0323\u0327\u0338\u20dd",
        "😀😂🙂👍🏽❤️🇯🇵👨\u200d👩\u200d👧\ufe0f", "가나다라마바사한국어\u1100\u1161\u11a8", "مرحباالعربية", "नमस्तेक्षि", "ｆｕｌｌＡＢＣ１２３ｶﾞ",
        "\x00\x01\x1f\x7f\u00ad\u200e\u2066\ufeff\ufffd", "①Ⅻ㍿ﬁ²½ℌ𝐀",
    ]
    out = []
    for _ in range(n):
        L = rng.randint(0, 40)
        s = []
        for _ in range(L):
            r = rng.random()
            if r < 0.9:
                s.append(rng.choice(rng.choice(pools)))
            else:
                while True:
                    c = rng.randint(0x20, 0x2FFFF)
                    if 0xD800 <= c <= 0xDFFF:
                        continue
                    if unicodedata.category(chr(c)) != "Cn":
                        break
                s.append(chr(c))
        out.append("".join(s))
    return out


ALL_TEXTS = TEXTS + random_texts(160, 7)
PAIRS = [(ALL_TEXTS[i], ALL_TEXTS[(i * 7 + 3) % len(ALL_TEXTS)]) for i in range(0, len(ALL_TEXTS), 6)]


def enc_dict(e):
    return {"ids": e.ids, "tokens": e.tokens, "type_ids": e.type_ids, "attention_mask": e.attention_mask, "special_tokens_mask": e.special_tokens_mask}


def record(name, tok):
    js = tok.to_str()
    single = []
    for t in ALL_TEXTS:
        try:
            single.append(enc_dict(tok.encode(t)))
        except Exception as ex:
            single.append({"error": str(ex)})
    pairs = []
    for a, b in PAIRS:
        try:
            pairs.append(enc_dict(tok.encode(a, b)))
        except Exception as ex:
            pairs.append({"error": str(ex)})
    batch = None
    try:
        batch = [enc_dict(e) for e in tok.encode_batch(ALL_TEXTS[:24])]
    except Exception as ex:
        batch = {"error": str(ex)}
    put("tok/%s/tokenizer.json" % name, js)
    put("tok/%s/expect.json" % name, {"texts": ALL_TEXTS, "single": single, "pairs": [list(p) for p in PAIRS], "pair": pairs, "batch": batch})


def load_golden(name):
    return json.load(open(os.path.join(HERE, "golden", name + ".json")))


def bert_vocab():
    return load_golden("bert")["model"]["vocab"]


def uni_vocab():
    return [tuple(x) for x in load_golden("xlmr")["model"]["vocab"]]


@section
def golden_as_is():
    for name in ["bert", "xlmr"]:
        tok = Tokenizer.from_file(os.path.join(HERE, "golden", name + ".json"))
        tok.enable_truncation(64)
        record("golden-" + name, tok)


@section
def wp_sequence():
    tok = Tokenizer(models.WordPiece(bert_vocab(), unk_token="[UNK]", max_input_chars_per_word=12))
    tok.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase(), normalizers.StripAccents(), normalizers.Replace(Regex(r"\d+"), "0"), normalizers.Strip()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(behavior="isolated"), pre_tokenizers.Digits(individual_digits=True)])
    tok.post_processor = processors.BertProcessing(("[SEP]", 3), ("[CLS]", 2))
    tok.add_special_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tok.add_tokens([AddedToken("new york", normalized=True), AddedToken("<x>", lstrip=True, rstrip=True, normalized=False), AddedToken("big", single_word=True)])
    tok.enable_truncation(24)
    record("wp-sequence", tok)


@section
def wp_bertnorm_variant():
    tok = Tokenizer(models.WordPiece(bert_vocab(), unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=True, lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tok.add_special_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tok.enable_truncation(16, strategy="longest_first")
    tok.enable_padding(pad_id=0, pad_token="[PAD]", pad_to_multiple_of=8)
    record("wp-bertnorm", tok)


@section
def wp_whitespace():
    tok = Tokenizer(models.WordPiece(bert_vocab(), unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Punctuation(behavior="merged_with_previous"), pre_tokenizers.Split(Regex("[aeiou]"), behavior="merged_with_next")])
    tok.post_processor = processors.TemplateProcessing(single="$A:0 [SEP]:0", pair="$A:0 [SEP]:0 $B:1 [SEP]:1", special_tokens=[("[SEP]", 3)])
    tok.add_special_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tok.enable_truncation(20, strategy="only_first", direction="left")
    record("wp-whitespace", tok)


@section
def uni_first():
    tok = Tokenizer(models.Unigram(uni_vocab(), unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(" {2,}", " ")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first")])
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    tok.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>", AddedToken("<mask>", lstrip=True, special=True)])
    tok.enable_truncation(32)
    record("uni-first", tok)


@section
def uni_never():
    tok = Tokenizer(models.Unigram(uni_vocab(), unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.Strip(left=True, right=True), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="never", split=False)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    tok.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    record("uni-never", tok)


@section
def uni_prepend():
    tok = Tokenizer(models.Unigram(uni_vocab(), unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581"), normalizers.NFD()])
    tok.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    record("uni-prepend", tok)


@section
def split_variants():
    tok = Tokenizer(models.WordPiece(bert_vocab(), unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.Lowercase(), normalizers.Replace(Regex(r"(\w)-(\w)"), "$1 - $2")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\s+"), behavior="removed"),
        pre_tokenizers.Split("-", behavior="contiguous"),
        pre_tokenizers.Split(Regex(r"[0-9]"), behavior="merged_with_previous", invert=True),
        pre_tokenizers.Split(Regex(r"\p{P}"), behavior="isolated"),
    ])
    tok.add_special_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    record("split-variants", tok)


@section
def wordlevel():
    v = bert_vocab()
    tok = Tokenizer(models.WordLevel(v, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.BertProcessing(("[SEP]", 3), ("[CLS]", 2))
    tok.add_special_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    record("wordlevel", tok)


def spm_models():
    import sentencepiece as spm
    out = {}
    corpus = os.path.join(HERE, "corpus.txt")
    for name, rule, bf in [("spm-nfkc-bytefb", "nmt_nfkc", True), ("spm-nfkc-cf", "nmt_nfkc_cf", False)]:
        prefix = "/tmp/" + name
        spm.SentencePieceTrainer.train(input=corpus, model_prefix=prefix, vocab_size=1500, model_type="unigram", byte_fallback=bf,
                                       character_coverage=0.9995, normalization_rule_name=rule, hard_vocab_limit=False, num_threads=16,
                                       minloglevel=2)
        out[name] = prefix + ".model"
    return out


@section
def precompiled():
    import sentencepiece as spm
    try:
        from sentencepiece import sentencepiece_model_pb2 as pb
    except Exception:
        import sentencepiece_model_pb2 as pb
    paths = spm_models()
    for name, path in paths.items():
        m = pb.ModelProto()
        m.ParseFromString(open(path, "rb").read())
        charsmap = m.normalizer_spec.precompiled_charsmap
        log(name, "charsmap bytes", len(charsmap), "pieces", len(m.pieces))
        vocab = [(p.piece, p.score) for p in m.pieces]
        unk_id = m.trainer_spec.unk_id
        tok = Tokenizer(models.Unigram(vocab, unk_id=unk_id, byte_fallback=m.trainer_spec.byte_fallback))
        tok.normalizer = normalizers.Sequence([normalizers.Nmt(), normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")])
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
        tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 1), ("</s>", 2)])
        tok.add_special_tokens([p.piece for p in m.pieces if p.type in (2, 3)])
        record(name, tok)
        sp = spm.SentencePieceProcessor(model_file=path)
        put("tok/%s/spm_ids.json" % name, [sp.encode(t) for t in ALL_TEXTS])
        pc = normalizers.Precompiled(charsmap)
        single = {}
        for c in CPS:
            s = pc.normalize_str(chr(c))
            if s != chr(c):
                single[c] = s
        put("tok/%s/precompiled_single.json" % name, single)
        put("tok/%s/precompiled_texts.json" % name, [pc.normalize_str(t) for t in ALL_TEXTS])
    # The path a user takes: transformers building the fast tokenizer from the sentencepiece file.
    try:
        import transformers, shutil
        from transformers import XLMRobertaTokenizer
        d = "/tmp/xlmr-spm"
        os.makedirs(d, exist_ok=True)
        shutil.copy(paths["spm-nfkc-bytefb"], os.path.join(d, "sentencepiece.bpe.model"))
        t = XLMRobertaTokenizer(vocab_file=os.path.join(d, "sentencepiece.bpe.model"))
        t.save_pretrained("/tmp/xlmr-saved")
        bt = Tokenizer.from_file("/tmp/xlmr-saved/tokenizer.json")
        record("transformers-xlmr-spm", bt)
    except Exception:
        log("transformers conversion failed")
        log(traceback.format_exc())


def save_st_folder(d, model, tok_json, pooling, dtype, ref):
    import torch
    from safetensors.torch import save_file
    os.makedirs(os.path.join(d, "1_Pooling"), exist_ok=True)
    sd = {k: v.detach().to(dtype).contiguous() for k, v in model.state_dict().items()}
    save_file(sd, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    cfg = model.config.to_dict()
    open(os.path.join(d, "config.json"), "w").write(json.dumps(cfg, indent=2, default=str))
    open(os.path.join(d, "tokenizer.json"), "w").write(tok_json)
    open(os.path.join(d, "modules.json"), "w").write(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]))
    open(os.path.join(d, "1_Pooling", "config.json"), "w").write(json.dumps(pooling))
    open(os.path.join(d, "sentence_bert_config.json"), "w").write(json.dumps({"max_seq_length": 48, "do_lower_case": False}))
    open(os.path.join(d, "reference.json"), "w").write(json.dumps(ref))


@section
def half_models():
    import torch
    from transformers import BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel
    torch.manual_seed(1234)
    texts = [t for t in ALL_TEXTS[:40]]
    specs = [
        ("bert-bf16", torch.bfloat16, BertConfig(vocab_size=3000, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                                                  max_position_embeddings=64, hidden_act="gelu", initializer_range=0.3, layer_norm_eps=1e-12, type_vocab_size=2, pad_token_id=0),
         BertModel, "bert", {"word_embedding_dimension": 32, "pooling_mode_max_tokens": True, "pooling_mode_cls_token": True}),
        ("xlmr-f16", torch.float16, XLMRobertaConfig(vocab_size=2000, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=48,
                                                      max_position_embeddings=52, hidden_act="gelu_new", initializer_range=0.3, layer_norm_eps=1e-5, type_vocab_size=1,
                                                      pad_token_id=1, bos_token_id=0, eos_token_id=2),
         XLMRobertaModel, "xlmr", {"word_embedding_dimension": 32, "pooling_mode_mean_tokens": True, "pooling_mode_mean_sqrt_len_tokens": True}),
    ]
    for name, dtype, cfg, cls, tokname, pooling in specs:
        model = cls(cfg, add_pooling_layer=True).eval()
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.to(dtype).to(torch.float32))
        tok = Tokenizer.from_file(os.path.join(HERE, "golden", tokname + ".json"))
        tok.enable_truncation(48)
        rows = []
        for i, t in enumerate(texts):
            e = tok.encode(t)
            ids = torch.tensor([e.ids])
            mask = torch.tensor([e.attention_mask])
            with torch.no_grad():
                kw = {"input_ids": ids, "attention_mask": mask}
                if tokname == "bert":
                    kw["token_type_ids"] = torch.tensor([e.type_ids])
                o = model(**kw)
            h = o.last_hidden_state[0]
            m = mask[0].unsqueeze(-1).float()
            mean = (h * m).sum(0) / m.sum(0).clamp(min=1e-9)
            row = {"text": t, "input_ids": e.ids, "cls": h[0].tolist(), "mean": mean.tolist(), "max": h.max(0).values.tolist(),
                   "mean_sqrt_len": ((h * m).sum(0) / m.sum(0).sqrt()).tolist(), "pooler_output": o.pooler_output[0].tolist()}
            if i < 8:
                row["last_hidden_state"] = h.tolist()
            rows.append(row)
        ref = {"model": name, "dtype": str(dtype), "texts": rows}
        d = "/tmp/st-" + name
        save_st_folder(d, model, tok.to_str(), pooling, dtype, ref)
        try:
            from sentence_transformers import SentenceTransformer
            st = SentenceTransformer(d, device="cpu", model_kwargs={"dtype": torch.float32})
            st.max_seq_length = 48
            emb = st.encode(texts, convert_to_numpy=True, batch_size=8)
            ref["sentence_transformers"] = emb.tolist()
            open(os.path.join(d, "reference.json"), "w").write(json.dumps(ref))
        except Exception:
            log("sentence-transformers load failed for", name)
            log(traceback.format_exc())
        for fn in ["model.safetensors", "config.json", "tokenizer.json", "modules.json", "1_Pooling/config.json", "sentence_bert_config.json", "reference.json"]:
            put("models/%s/%s" % (name, fn), open(os.path.join(d, fn), "rb").read())


log("done")
LOG.close()
