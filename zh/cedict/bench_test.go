package cedict

import (
	"runtime"
	"testing"
)

// BenchmarkDecode measures loading the real dictionary from its binary form
// (the file already in memory) and reports the heap it keeps alive.
func BenchmarkDecode(b *testing.B) {
	data := realDict(b).Encode()
	b.SetBytes(int64(len(data)))
	var keep *Dict
	for b.Loop() {
		d, err := Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		keep = d
	}
	b.StopTimer()
	data = nil
	var before, after runtime.MemStats
	keep = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep, _ = Decode(realDict(b).Encode())
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-live")
	runtime.KeepAlive(keep)
}

// BenchmarkParseSource is the one-time conversion cost Open pays when the
// binary file is missing or stale.
func BenchmarkParseSource(b *testing.B) {
	dir := modelsDir(b)
	for b.Loop() {
		if _, err := convert(b.Context(), dir+"/"+SourceFile); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenCached is what a service start pays once cedict.bin exists:
// reading the file, checking it and building the index.
func BenchmarkOpenCached(b *testing.B) {
	dir := modelsDir(b)
	if _, err := Open(b.Context(), dir, Options{}); err != nil { // make sure the cache exists
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Open(b.Context(), dir, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
