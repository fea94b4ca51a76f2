// Embeds a fixed list of texts with the TensorFlow.js Universal Sentence
// Encoder Lite (@energetic-ai/embeddings on @energetic-ai/core's WASM
// backend) and prints the rate as one JSON line. It is the reference side of
// scripts/bench-encoder.sh.
//
// usage: node bench.js --model DIR --texts FILE [--mode batch|single]
//                      [--seconds S] [--warmup N]
//   DIR    the use-lite model folder (holding dist/model.json, dist/vocab.json)
//   FILE   a JSON array of strings
//   batch  one embed() call for all texts per repetition (the default)
//   single one embed() call per text
"use strict";
const fs = require("fs");
const path = require("path");
const { loadGraphModel } = require("@energetic-ai/core");
const { initModel } = require("@energetic-ai/embeddings");

function parseArgs(argv) {
  const opts = { mode: "batch", seconds: 5, warmup: 2 };
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`missing value for --${key}`);
    opts[key] = ["seconds", "warmup"].includes(key) ? Number(value) : value;
  }
  if (!opts.model || !opts.texts) throw new Error("--model and --texts are required");
  if (!["batch", "single"].includes(opts.mode)) throw new Error(`unknown --mode ${opts.mode}`);
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv);
  const dist = path.join(opts.model, "dist");
  const texts = JSON.parse(fs.readFileSync(opts.texts, "utf-8"));
  const source = async () => ({
    model: await loadGraphModel(`file://${path.resolve(dist, "model.json")}`),
    vocabulary: JSON.parse(fs.readFileSync(path.join(dist, "vocab.json"), "utf-8")),
  });
  const model = await initModel(source);

  const once = async () => {
    if (opts.mode === "batch") {
      await model.embed(texts);
    } else {
      for (const t of texts) await model.embed([t]);
    }
  };
  for (let i = 0; i < opts.warmup; i++) await once();

  let reps = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < opts.seconds || reps === 0) {
    await once();
    reps++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  console.log(JSON.stringify({
    encoder: "tfjs",
    mode: opts.mode,
    texts: texts.length,
    repetitions: reps,
    seconds: elapsed,
    sentences_per_s: (reps * texts.length) / elapsed,
  }));
}

main().catch((err) => {
  console.error(`tfjs-bench: ${err.message}`);
  process.exit(1);
});
