package uselite

import (
	"context"
	"math"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadGraphModelDecodesEveryStorage(t *testing.T) {
	for _, storage := range []string{"float32", "uint8", "uint16", "float16"} {
		t.Run(storage, func(t *testing.T) {
			files, want := tinyModelFiles(t, tinyModel(1), storage, 100)
			g, err := loadGraphModel(files)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range want {
				got, ok := g.tensors[w.name]
				if !ok {
					t.Fatalf("tensor %s missing", w.name)
				}
				if len(got.shape) != len(w.shape) {
					t.Fatalf("%s: shape %v, want %v", w.name, got.shape, w.shape)
				}
				for i, v := range w.values {
					var g float64
					if w.dtype == "int32" {
						g = float64(got.i32[i])
					} else {
						g = float64(got.f32[i])
					}
					if math.Abs(g-v) > 1e-6*max(1, math.Abs(v)) {
						t.Fatalf("%s[%d] = %g, want %g", w.name, i, g, v)
					}
				}
			}
			if _, err := newModel(g); err != nil {
				t.Fatalf("newModel: %v", err)
			}
		})
	}
}

func TestLoadGraphModelRejectsBadFiles(t *testing.T) {
	good, _ := tinyModelFiles(t, tinyModel(1), "float32", 256)
	shardNames := func() []string {
		var names []string
		for name := range good {
			if strings.HasPrefix(name, "group1-shard") {
				names = append(names, name)
			}
		}
		return names
	}
	withFile := func(name string, data []byte) fstest.MapFS {
		out := fstest.MapFS{}
		for k, v := range good {
			out[k] = v
		}
		if data == nil {
			delete(out, name)
		} else {
			out[name] = &fstest.MapFile{Data: data}
		}
		return out
	}
	last := shardNames()[0]
	for _, n := range shardNames() {
		if len(n) > len(last) || (len(n) == len(last) && n > last) {
			last = n
		}
	}
	lastData := good[last].Data
	edit := func(f func(doc map[string]any)) fstest.MapFS { return editModelJSON(t, good, f) }

	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"truncated shard", withFile(last, lastData[:len(lastData)-3]), "truncated or mismatched"},
		{"shard with trailing bytes", withFile(last, append(append([]byte{}, lastData...), 0, 0, 0, 0)), "truncated or mismatched"},
		{"missing shard", withFile(last, nil), "open weight shard"},
		{"missing model.json", withFile("model.json", nil), "open graph model"},
		{"not JSON", withFile("model.json", []byte("{\"modelTopology\": [")), "parse"},
		{"not a graph model", withFile("model.json", []byte(`{"weightsManifest": []}`)), "not a TensorFlow.js graph model"},
		{"no weights", edit(func(doc map[string]any) { doc["weightsManifest"] = []any{} }), "empty weightsManifest"},
		{"path outside the folder", edit(func(doc map[string]any) {
			doc["weightsManifest"].([]any)[0].(map[string]any)["paths"] = []any{"../secrets"}
		}), "not a plain file name"},
		{"negative dimension", edit(func(doc map[string]any) {
			findWeight(doc, "Embeddings_en")["shape"] = []any{-10, 4}
		}), "negative dimension"},
		{"element count overflow", edit(func(doc map[string]any) {
			findWeight(doc, "Embeddings_en")["shape"] = []any{1 << 40, 1 << 40}
		}), "more than"},
		{"four gigabytes claimed", edit(func(doc map[string]any) {
			findWeight(doc, "Embeddings_en")["shape"] = []any{1 << 30, 1}
		}), "truncated or mismatched"},
		{"too many dimensions", edit(func(doc map[string]any) {
			findWeight(doc, "Embeddings_en")["shape"] = []any{1, 1, 1, 1, 1, 1, 1, 1, 10, 4}
		}), "dimensions"},
		{"unsupported dtype", edit(func(doc map[string]any) {
			findWeight(doc, "Embeddings_en")["dtype"] = "complex64"
		}), "not supported"},
		{"unsupported quantization", edit(func(doc map[string]any) {
			findWeight(doc, "Embeddings_en")["quantization"] = map[string]any{"dtype": "int4"}
		}), "not supported"},
		{"quantization without scale", edit(func(doc map[string]any) {
			findWeight(doc, "Embeddings_en")["quantization"] = map[string]any{"dtype": "uint8", "min": 0}
		}), "without scale and min"},
		{"duplicate weight", edit(func(doc map[string]any) {
			g := doc["weightsManifest"].([]any)[0].(map[string]any)
			ws := g["weights"].([]any)
			g["weights"] = append(ws, ws[0])
		}), "appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := loadGraphModel(tt.files)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatalf("loaded a bad model; want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
				t.Fatalf("allocated %d bytes before rejecting the model", grew)
			}
		})
	}
}

// TestForwardOnOtherShapes runs the forward pass on synthetic models whose
// layers widen and narrow, so that every scratch buffer must be sized by
// the widest layer, and checks the outputs are unit vectors that do not
// depend on how texts are grouped.
func TestForwardOnOtherShapes(t *testing.T) {
	shapes := map[string][]tinyLayer{
		"widening":  {{4, 4, 2, 6, 8}, {6, 6, 3, 6, 8}},
		"bulge":     {{4, 4, 2, 10, 8}, {10, 6, 3, 6, 12}},
		"one layer": {{6, 8, 4, 6, 4}},
	}
	for name, dims := range shapes {
		t.Run(name, func(t *testing.T) {
			files, _ := tinyModelFiles(t, tinyModelOfShape(4, dims), "float32", 1<<20)
			g, err := loadGraphModel(files)
			if err != nil {
				t.Fatal(err)
			}
			m, err := newModel(g)
			if err != nil {
				t.Fatal(err)
			}
			texts := [][]int32{{1, 2, 3}, {}, {9, 9, 9, 9, 9, 9, 9, 9}, {4}}
			together := make([][]float32, len(texts))
			var ids []int32
			var lengths []int
			for i, tx := range texts {
				together[i] = make([]float32, m.outDim)
				ids = append(ids, tx...)
				lengths = append(lengths, len(tx))
			}
			ws := m.newWorkspace(len(ids), len(texts))
			if err := m.forward(context.Background(), ws, ids, lengths, together); err != nil {
				t.Fatal(err)
			}
			for i, tx := range texts {
				alone := [][]float32{make([]float32, m.outDim)}
				if err := m.forward(context.Background(), ws, tx, []int{len(tx)}, alone); err != nil {
					t.Fatal(err)
				}
				var sq float64
				for j, v := range alone[0] {
					sq += float64(v) * float64(v)
					if math.Abs(float64(v-together[i][j])) > 1e-6 {
						t.Fatalf("text %d: element %d is %g alone and %g with others", i, j, v, together[i][j])
					}
				}
				if math.Abs(sq-1) > 1e-5 {
					t.Errorf("text %d: squared norm %g", i, sq)
				}
			}
		})
	}
}

func TestNewModelRejectsOtherArchitectures(t *testing.T) {
	tests := []struct {
		name string
		edit func(ws []tinyWeight, files fstest.MapFS) fstest.MapFS
		want string
	}{
		{"missing weight", func(ws []tinyWeight, files fstest.MapFS) fstest.MapFS {
			var kept []tinyWeight
			for _, w := range ws {
				if !strings.HasSuffix(w.name, "tanh_layer_0/bias") {
					kept = append(kept, w)
				}
			}
			f, _ := tinyModelFiles(t, kept, "float32", 1<<20)
			return f
		}, "is missing"},
		{"wrong shape", func(ws []tinyWeight, files fstest.MapFS) fstest.MapFS {
			for i, w := range ws {
				if strings.HasSuffix(w.name, "Layer_1/TransformerLayer/FFN/conv2/bias/ConcatPartitions/concat") {
					ws[i].shape = []int{5}
					ws[i].values = ws[i].values[:5]
				}
			}
			f, _ := tinyModelFiles(t, ws, "float32", 1<<20)
			return f
		}, "has shape"},
		{"heads that do not divide the width", func(ws []tinyWeight, files fstest.MapFS) fstest.MapFS {
			for i, w := range ws {
				if strings.HasSuffix(w.name, "Layer_0/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3") {
					ws[i].values = []float64{3}
				}
			}
			f, _ := tinyModelFiles(t, ws, "float32", 1<<20)
			return f
		}, "heads of width"},
		{"different op", func(ws []tinyWeight, files fstest.MapFS) fstest.MapFS {
			return editModelJSON(t, files, func(doc map[string]any) {
				for _, n := range doc["modelTopology"].(map[string]any)["node"].([]any) {
					if n := n.(map[string]any); strings.HasSuffix(n["name"].(string), "Layer_0/TransformerLayer/FFN/conv1/Relu") {
						n["op"] = "Relu6"
					}
				}
			})
		}, "not the USE-Lite architecture"},
		{"rewired residual", func(ws []tinyWeight, files fstest.MapFS) fstest.MapFS {
			return editModelJSON(t, files, func(doc map[string]any) {
				for _, n := range doc["modelTopology"].(map[string]any)["node"].([]any) {
					if n := n.(map[string]any); n["name"] == stack+"Layer_0/add" {
						n["input"] = []any{encode + "Scatter/ScatterNd", encode + "Scatter/ScatterNd"}
					}
				}
			})
		}, "input 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := tinyModel(2)
			files, _ := tinyModelFiles(t, ws, "float32", 1<<20)
			g, err := loadGraphModel(tt.edit(ws, files))
			if err != nil {
				t.Fatalf("loadGraphModel: %v", err)
			}
			_, err = newModel(g)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("newModel error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// FuzzLoadGraphModel feeds arbitrary model.json and shard bytes through the
// loader, the model checks and, when they pass, a forward pass: none of it
// may panic, and the loader may not allocate more than the files justify.
func FuzzLoadGraphModel(f *testing.F) {
	for _, storage := range []string{"float32", "uint8", "float16"} {
		files, _ := tinyModelFiles(f, tinyModel(3), storage, 1<<20)
		f.Add(files["model.json"].Data, files["group1-shard1"].Data)
	}
	f.Add([]byte(`{"modelTopology":{"node":[{"name":"a","op":"Const"}]},"weightsManifest":[{"paths":["group1-shard1"],"weights":[{"name":"w","shape":[2],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}}]}]}`), []byte{0, 255})
	f.Add([]byte(`{"modelTopology":{"node":[{"name":"a"}]},"weightsManifest":[{"paths":["group1-shard1"],"weights":[{"name":"w","shape":[1073741824],"dtype":"float32"}]}]}`), []byte{1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, modelJSON, shard []byte) {
		files := fstest.MapFS{
			"model.json":    &fstest.MapFile{Data: modelJSON},
			"group1-shard1": &fstest.MapFile{Data: shard},
		}
		g, err := loadGraphModel(files)
		if err != nil {
			return
		}
		total := 0
		for _, tn := range g.tensors {
			total += len(tn.f32) + len(tn.i32)
		}
		if total > len(shard) {
			t.Fatalf("decoded %d elements from %d bytes", total, len(shard))
		}
		m, err := newModel(g)
		if err != nil {
			return
		}
		// Two texts of up to two tokens and an empty one, as Encode would
		// pass them after clipping to the model's length.
		n := min(2, m.maxLen)
		ids := append(make([]int32, n-1), int32(m.vocabSize-1), 0)
		lengths := []int{n, 0, 1}
		dst := [][]float32{make([]float32, m.outDim), make([]float32, m.outDim), make([]float32, m.outDim)}
		if err := m.forward(context.Background(), m.newWorkspace(3, 3), ids, lengths, dst); err != nil {
			t.Fatal(err)
		}
	})
}
