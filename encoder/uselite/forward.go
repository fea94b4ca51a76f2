package uselite

import (
	"context"
	"math"

	"github.com/driftrec/driftrec/kernel"
)

// workspace is one worker's scratch memory. A forward pass allocates nothing:
// every intermediate lives here, sized for the largest chunk seen so far.
type workspace struct {
	tokens, texts int // capacity

	x   []float32 // residual stream, [tokens, widest layer]
	h   []float32 // layer-norm output and product scratch, [tokens, max width]
	cat []float32 // attention output, followed by the layer input when the residual is projected
	qkv []float32 // [tokens, 3·attention width]
	ffn []float32 // [tokens, feed-forward width]

	// One head of one text at a time: queries, keys, values, scores, output.
	qh, kh, vh, oh, scores []float32

	pooled, out []float32 // [texts, modelDim], [texts, outDim]

	// The chunk itself: token ids back to back, tokens per text, and where
	// each text's vector goes.
	ids     []int32
	lengths []int
	dst     [][]float32
}

func (m *model) newWorkspace(tokens, texts int) *workspace {
	width := m.widthMax
	L := m.maxLen
	return &workspace{
		tokens:  tokens,
		texts:   texts,
		x:       make([]float32, tokens*width),
		h:       make([]float32, tokens*width),
		cat:     make([]float32, tokens*m.catDimMax),
		qkv:     make([]float32, tokens*m.qkvDimMax),
		ffn:     make([]float32, tokens*m.ffnDimMax),
		qh:      make([]float32, L*m.attnDimMax),
		kh:      make([]float32, L*m.attnDimMax),
		vh:      make([]float32, L*m.attnDimMax),
		oh:      make([]float32, L*m.attnDimMax),
		scores:  make([]float32, L*L),
		pooled:  make([]float32, texts*m.modelDim),
		out:     make([]float32, texts*m.outDim),
		ids:     make([]int32, 0, tokens),
		lengths: make([]int, 0, texts),
		dst:     make([][]float32, 0, texts),
	}
}

// fits reports whether ws can hold a chunk of the given size.
func (ws *workspace) fits(tokens, texts int) bool {
	return ws != nil && tokens <= ws.tokens && texts <= ws.texts
}

// forward encodes a chunk of texts whose token ids lie back to back in ids,
// lengths[i] tokens each (already clipped to maxLen), writing one outDim
// vector per text into dst.
//
// Texts are packed without padding: every position-wise step (layer norms,
// projections, feed-forward) runs as one product over all the chunk's
// tokens, and attention runs per text. The graph pads a batch to its
// longest text and masks padded keys with -1e9, which makes their softmax
// weights exactly zero, and it pools only unpadded positions; skipping the
// padding therefore changes nothing but the work done.
func (m *model) forward(ctx context.Context, ws *workspace, ids []int32, lengths []int, dst [][]float32) error {
	T := len(ids)
	E := m.embedDim

	// Layer 0's input is the embedding plus (embedding + timing signal), the
	// sum the graph computes; the order of the additions is kept.
	x := ws.x[:T*E]
	row := 0
	for _, n := range lengths {
		for pos := range n {
			emb := m.embedding[int(ids[row])*E : (int(ids[row])+1)*E]
			tim := m.timing[pos*E : (pos+1)*E]
			xr := x[row*E : (row+1)*E]
			for j := range xr {
				xr[j] = emb[j] + (emb[j] + tim[j])
			}
			row++
		}
	}

	for i := range m.layers {
		if err := ctx.Err(); err != nil {
			return err
		}
		m.layers[i].forward(ws, T, lengths, m.epsilon)
	}

	// Mean over each text's positions, then the tanh layer and L2
	// normalisation. An empty text pools to zeros, as the graph's
	// division by max(length, 1) does.
	D := m.modelDim
	S := len(lengths)
	pooled := ws.pooled[:S*D]
	row = 0
	var acc [1024]float64
	sum := acc[:D]
	if D > len(acc) {
		sum = make([]float64, D)
	}
	for s, n := range lengths {
		clear(sum)
		for r := row; r < row+n; r++ {
			for j, v := range ws.x[r*D : (r+1)*D] {
				sum[j] += float64(v)
			}
		}
		row += n
		denom := float64(max(n, 1))
		p := pooled[s*D : (s+1)*D]
		for j := range p {
			p[j] = float32(sum[j] / denom)
		}
	}
	O := m.outDim
	out := ws.out[:S*O]
	kernel.MatMul(out, pooled, m.tanhW, S, D, O)
	for s := range S {
		v := out[s*O : (s+1)*O]
		var sq float64
		for j := range v {
			t := float32(math.Tanh(float64(v[j] + m.tanhB[j])))
			v[j] = t
			sq += float64(t) * float64(t)
		}
		scale := float32(1 / math.Sqrt(max(sq, float64(m.l2Epsilon))))
		d := dst[s]
		for j := range v {
			d[j] = v[j] * scale
		}
	}
	return nil
}

// forward runs one pre-norm transformer layer over the T tokens of a chunk,
// reading its input from ws.x and leaving its output there.
func (l *layer) forward(ws *workspace, T int, lengths []int, eps float32) {
	x := ws.x[:T*l.dIn]
	h := ws.h[:T*l.dIn]
	layerNorm(h, x, l.dIn, l.ln1Scale, l.ln1Bias, eps)

	qkvW := 3 * l.dAttn
	qkv := ws.qkv[:T*qkvW]
	kernel.MatMul(qkv, h, l.qkv, T, l.dIn, qkvW)
	addBias(qkv, l.qkvBias)

	catW := len(l.out) / l.d
	cat := ws.cat[:T*catW]
	l.attention(ws, qkv, cat, catW, lengths)

	if l.projected {
		// [attention | input] · [W_out; W_residual]: the attention output
		// and the projected residual in one product, written over x.
		for r := range T {
			copy(cat[r*catW+l.dAttn:(r+1)*catW], x[r*l.dIn:(r+1)*l.dIn])
		}
		x = ws.x[:T*l.d]
		kernel.MatMul(x, cat, l.out, T, catW, l.d)
		addBias(x, l.outBias)
	} else {
		y := ws.h[:T*l.d]
		kernel.MatMul(y, cat, l.out, T, l.dAttn, l.d)
		addResidual(x, y, l.outBias)
	}

	h = ws.h[:T*l.d]
	layerNorm(h, x, l.d, l.ln2Scale, l.ln2Bias, eps)
	f := ws.ffn[:T*l.dFF]
	kernel.MatMul(f, h, l.ffn1, T, l.d, l.dFF)
	addBiasReLU(f, l.ffn1Bias)
	kernel.MatMul(h, f, l.ffn2, T, l.dFF, l.d)
	addResidual(x, h, l.ffn2Bias)
}

// attention computes multi-head scaled dot-product attention within each
// text, writing the heads side by side into the first dAttn columns of dst
// (row stride dstW).
func (l *layer) attention(ws *workspace, qkv, dst []float32, dstW int, lengths []int) {
	dh := l.headDim
	qkvW := 3 * l.dAttn
	row := 0
	for _, n := range lengths {
		if n == 0 {
			continue
		}
		qh, kh, vh, oh := ws.qh[:n*dh], ws.kh[:n*dh], ws.vh[:n*dh], ws.oh[:n*dh]
		scores := ws.scores[:n*n]
		for head := range l.heads {
			off := head * dh
			for i := range n {
				src := qkv[(row+i)*qkvW:]
				q := qh[i*dh : (i+1)*dh]
				for j, v := range src[off : off+dh] {
					q[j] = v * l.qScale
				}
				copy(kh[i*dh:(i+1)*dh], src[l.dAttn+off:l.dAttn+off+dh])
				copy(vh[i*dh:(i+1)*dh], src[2*l.dAttn+off:2*l.dAttn+off+dh])
			}
			kernel.MatMulTransB(scores, qh, kh, n, dh, n)
			for i := range n {
				softmax(scores[i*n : (i+1)*n])
			}
			kernel.MatMul(oh, scores, vh, n, n, dh)
			for i := range n {
				copy(dst[(row+i)*dstW+off:(row+i)*dstW+off+dh], oh[i*dh:(i+1)*dh])
			}
		}
		row += n
	}
}

// layerNorm normalises each row of src (width w) to zero mean and unit
// variance and applies scale and bias, as the graph's layer_norm does:
// (x − mean) · (scale · rsqrt(var + eps)) + bias.
func layerNorm(dst, src []float32, w int, scale, bias []float32, eps float32) {
	for r := 0; r < len(src); r += w {
		x := src[r : r+w]
		y := dst[r : r+w]
		var s float64
		for _, v := range x {
			s += float64(v)
		}
		mean := float32(s / float64(w))
		var ss float64
		for _, v := range x {
			d := float64(v - mean)
			ss += d * d
		}
		inv := float32(1 / math.Sqrt(float64(float32(ss/float64(w))+eps)))
		for j, v := range x {
			y[j] = (scale[j]*inv)*(v-mean) + bias[j]
		}
	}
}

func addBias(x, bias []float32) {
	w := len(bias)
	for r := 0; r < len(x); r += w {
		row := x[r : r+w]
		for j := range row {
			row[j] += bias[j]
		}
	}
}

func addBiasReLU(x, bias []float32) {
	w := len(bias)
	for r := 0; r < len(x); r += w {
		row := x[r : r+w]
		for j := range row {
			row[j] = max(row[j]+bias[j], 0)
		}
	}
}

// addResidual sets x += y + bias, row by row.
func addResidual(x, y, bias []float32) {
	w := len(bias)
	for r := 0; r < len(x); r += w {
		xr, yr := x[r:r+w], y[r:r+w]
		for j := range xr {
			xr[j] += yr[j] + bias[j]
		}
	}
}

// softmax replaces s with exp(s − max) / Σ exp(s − max).
func softmax(s []float32) {
	m := s[0]
	for _, v := range s[1:] {
		m = max(m, v)
	}
	var sum float32
	for i, v := range s {
		e := float32(math.Exp(float64(v - m)))
		s[i] = e
		sum += e
	}
	for i := range s {
		s[i] /= sum
	}
}
