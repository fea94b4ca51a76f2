// Writes reference token ids and vectors from the TensorFlow.js Universal
// Sentence Encoder Lite for encoder/uselite's tests, covering what the
// shared golden file does not: texts longer than the model's 128 tokens,
// an empty text inside a batch, and a few hundred varied texts for the
// tokenizer.
//
// usage: node golden.js --model DIR IN.json OUT.json
//   IN.json  {"token_texts": [...], "embed_texts": [...], "batch_texts": [...]}
//   OUT.json token ids of every text in token_texts and embed_texts, one
//            embed() call per text of embed_texts, and one embed() call over
//            batch_texts; vectors rounded to 8 significant digits.
"use strict";
const fs = require("fs");
const path = require("path");
const { loadGraphModel } = require("@energetic-ai/core");
const { initModel } = require("@energetic-ai/embeddings");

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 4 || args[0] !== "--model") {
    throw new Error("usage: node golden.js --model DIR IN.json OUT.json");
  }
  const [, modelDir, inPath, outPath] = args;
  const dist = path.join(modelDir, "dist");
  const input = JSON.parse(fs.readFileSync(inPath, "utf-8"));
  const model = await initModel(async () => ({
    model: await loadGraphModel(`file://${path.resolve(dist, "model.json")}`),
    vocabulary: JSON.parse(fs.readFileSync(path.join(dist, "vocab.json"), "utf-8")),
  }));
  const round = (v) => Array.from(v, (x) => Number(x.toPrecision(8)));
  const tokens = input.token_texts.map((t) => ({ text: t, token_ids: model.tokenizer.encode(t) }));
  const texts = [];
  for (const t of input.embed_texts) {
    const [v] = await model.embed([t]);
    texts.push({ text: t, token_ids: model.tokenizer.encode(t), embedding: round(v) });
  }
  const batch = (await model.embed(input.batch_texts)).map(round);
  fs.writeFileSync(outPath, JSON.stringify({
    reference: "@energetic-ai/embeddings@0.2.0 + @energetic-ai/core@0.2.0 (TensorFlow.js) on Node " + process.version,
    tokens, texts, batch_texts: input.batch_texts, batch,
  }));
  console.log(`golden: ${tokens.length} tokenised, ${texts.length} embedded, batch of ${batch.length}`);
}

main().catch((err) => {
  console.error(`golden: ${err.message}`);
  process.exit(1);
});
