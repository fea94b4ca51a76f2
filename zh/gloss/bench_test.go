package gloss

import (
	"testing"

	"github.com/driftrec/driftrec/zh/segment"
)

// benchQueries are short queries of the kind driftrec sees.
var benchQueries = []string{
	"性价比高的运动鞋", "评价好的咖啡杯", "口感好的面包", "舒适的鞋垫", "跑鞋垫",
	"无线蓝牙耳机", "iPhone 15手机壳", "去云南旅游需要几天", "好看的科幻片", "央行降息",
	"我想买一双舒服的鞋", "宫崎骏的动画电影", "颱風登陸", "100元以下的耳机", "附近有什么好吃的",
}

// BenchmarkSegment is segmentation alone, per query.
func BenchmarkSegment(b *testing.B) {
	s := segment.New(realDict(b))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.Segment(benchQueries[i%len(benchQueries)])
		i++
	}
}

// BenchmarkGloss is segmentation plus glossing, per query: what bridging a
// Chinese query to the English encoder adds before the encoder runs.
func BenchmarkGloss(b *testing.B) {
	g := New(realDict(b), Options{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		g.Gloss(benchQueries[i%len(benchQueries)])
		i++
	}
}

// BenchmarkGlossSynonyms is the same with three near-synonyms per word.
func BenchmarkGlossSynonyms(b *testing.B) {
	g := New(realDict(b), Options{Synonyms: 3})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		g.Gloss(benchQueries[i%len(benchQueries)])
		i++
	}
}

// BenchmarkNew is the one-time cost of building a glosser (and its
// segmenter) over a loaded dictionary.
func BenchmarkNew(b *testing.B) {
	d := realDict(b)
	for b.Loop() {
		New(d, Options{})
	}
}
