package hf

import (
	"context"
	"fmt"
	"math"

	"github.com/driftrec/driftrec/kernel"
)

// Input is one tokenized text. Every token is attended to: texts are packed
// back to back rather than padded, so no attention mask is needed. TypeIDs
// may be nil, meaning all zero.
type Input struct {
	IDs     []int
	TypeIDs []int
}

// workspace holds the activations of one forward pass over a packed chunk
// of texts; it is reused across passes by one worker at a time.
type workspace struct {
	tokens int       // capacity in tokens
	x      []float32 // tokens × hidden: the residual stream
	qkv    []float32 // tokens × 3·hidden
	ctx    []float32 // tokens × hidden: attention output before projection
	tmp    []float32 // tokens × hidden
	inter  []float32 // tokens × intermediate
	// Attention scratch for one (text, head) at a time.
	maxLen         int
	qh, kh, vh, oh []float32 // maxLen × headDim
	scores         []float32 // maxLen × maxLen
}

func (m *Model) newWorkspace(tokens, maxLen int) *workspace {
	h, inter := m.cfg.HiddenSize, m.cfg.IntermediateSize
	d := h / m.cfg.NumAttentionHeads
	return &workspace{
		tokens: tokens,
		x:      make([]float32, tokens*h),
		qkv:    make([]float32, tokens*3*h),
		ctx:    make([]float32, tokens*h),
		tmp:    make([]float32, tokens*h),
		inter:  make([]float32, tokens*inter),
		maxLen: maxLen,
		qh:     make([]float32, maxLen*d),
		kh:     make([]float32, maxLen*d),
		vh:     make([]float32, maxLen*d),
		oh:     make([]float32, maxLen*d),
		scores: make([]float32, maxLen*maxLen),
	}
}

func (ws *workspace) fits(tokens, maxLen int) bool {
	return ws != nil && ws.tokens >= tokens && ws.maxLen >= maxLen
}

// Forward returns the last hidden state of each input: len(IDs) rows of
// hidden_size floats, row-major, as the transformers library's
// last_hidden_state (without padding rows).
func (m *Model) Forward(ctx context.Context, inputs []Input) ([][]float32, error) {
	total, longest := 0, 0
	for _, in := range inputs {
		total += len(in.IDs)
		longest = max(longest, len(in.IDs))
	}
	ws := m.newWorkspace(total, longest)
	if err := m.forward(ctx, ws, inputs); err != nil {
		return nil, err
	}
	h := m.cfg.HiddenSize
	out := make([][]float32, len(inputs))
	off := 0
	for i, in := range inputs {
		n := len(in.IDs) * h
		out[i] = append([]float32(nil), ws.x[off:off+n]...)
		off += n
	}
	return out, nil
}

// PoolerOutput is BERT's pooler: tanh(W·h₀ + b) over the first row of a
// text's hidden state. It fails for checkpoints without a pooler.
func (m *Model) PoolerOutput(hidden []float32) ([]float32, error) {
	if m.pooler == nil {
		return nil, fmt.Errorf("hf: the checkpoint has no pooler")
	}
	h := m.cfg.HiddenSize
	if len(hidden) < h {
		return nil, fmt.Errorf("hf: hidden state of %d values, want at least %d", len(hidden), h)
	}
	out := make([]float32, h)
	m.pooler.apply(out, hidden[:h], 1)
	for i, v := range out {
		out[i] = float32(math.Tanh(float64(v)))
	}
	return out, nil
}

// validate checks ids, type ids and lengths against the tables.
func (m *Model) validate(inputs []Input) error {
	c := m.cfg
	for i, in := range inputs {
		if len(in.IDs) > c.maxTokens() {
			return fmt.Errorf("hf: input %d has %d tokens, the model takes at most %d", i, len(in.IDs), c.maxTokens())
		}
		if in.TypeIDs != nil && len(in.TypeIDs) != len(in.IDs) {
			return fmt.Errorf("hf: input %d has %d ids and %d type ids", i, len(in.IDs), len(in.TypeIDs))
		}
		for j, id := range in.IDs {
			if id < 0 || id >= c.VocabSize {
				return fmt.Errorf("hf: input %d token %d: id %d outside the vocabulary of %d", i, j, id, c.VocabSize)
			}
		}
		for j, t := range in.TypeIDs {
			if t < 0 || (t >= c.TypeVocabSize && t != 0) {
				return fmt.Errorf("hf: input %d token %d: type id %d outside the %d types", i, j, t, c.TypeVocabSize)
			}
		}
	}
	return nil
}

// forward leaves the last hidden state of the packed inputs in ws.x.
func (m *Model) forward(ctx context.Context, ws *workspace, inputs []Input) error {
	if err := m.validate(inputs); err != nil {
		return err
	}
	total := 0
	for _, in := range inputs {
		total += len(in.IDs)
	}
	if total == 0 {
		return nil
	}
	m.embed(ws.x[:total*m.cfg.HiddenSize], inputs)
	for li := range m.layers {
		if err := ctx.Err(); err != nil {
			return err
		}
		m.layer(ws, &m.layers[li], inputs, total)
	}
	return nil
}

// embed writes word + position + type embeddings, layer-normalised.
func (m *Model) embed(x []float32, inputs []Input) {
	h := m.cfg.HiddenSize
	pad := m.cfg.paddingIdx()
	row := 0
	for _, in := range inputs {
		seen := 0
		for j, id := range in.IDs {
			dst := x[row*h : (row+1)*h]
			copy(dst, m.word[id*h:(id+1)*h])
			p := j
			if m.cfg.usesRoBERTaPositions() {
				// RoBERTa numbers non-padding tokens from padding_idx+1
				// and gives padding tokens padding_idx itself.
				if id == pad {
					p = pad
				} else {
					seen++
					p = pad + seen
				}
			}
			kernel.Axpy(1, m.pos[p*h:(p+1)*h], dst)
			if m.typ != nil {
				t := 0
				if in.TypeIDs != nil {
					t = in.TypeIDs[j]
				}
				kernel.Axpy(1, m.typ[t*h:(t+1)*h], dst)
			}
			m.embLN.apply(dst)
			row++
		}
	}
}

func (m *Model) layer(ws *workspace, l *layer, inputs []Input, total int) {
	h := m.cfg.HiddenSize
	x := ws.x[:total*h]
	qkv := ws.qkv[:total*3*h]
	l.qkv.apply(qkv, x, total)
	att := ws.ctx[:total*h]
	row := 0
	for _, in := range inputs {
		n := len(in.IDs)
		m.attend(ws, qkv[row*3*h:(row+n)*3*h], att[row*h:(row+n)*h], n)
		row += n
	}
	tmp := ws.tmp[:total*h]
	l.attnOut.apply(tmp, att, total)
	addNorm(x, tmp, l.attnLN, h)
	inter := ws.inter[:total*m.cfg.IntermediateSize]
	l.inter.apply(inter, x, total)
	m.act(inter)
	l.out.apply(tmp, inter, total)
	addNorm(x, tmp, l.outLN, h)
}

// attend runs multi-head self-attention for one text of n tokens: qkv holds
// its n rows of stacked queries, keys and values, out receives n rows of
// the heads' outputs side by side.
func (m *Model) attend(ws *workspace, qkv, out []float32, n int) {
	h := m.cfg.HiddenSize
	heads := m.cfg.NumAttentionHeads
	d := h / heads
	scale := float32(1 / math.Sqrt(float64(d)))
	qh, kh, vh, oh := ws.qh[:n*d], ws.kh[:n*d], ws.vh[:n*d], ws.oh[:n*d]
	scores := ws.scores[:n*n]
	for hd := range heads {
		for i := range n {
			r := qkv[i*3*h:]
			copy(qh[i*d:(i+1)*d], r[hd*d:(hd+1)*d])
			copy(kh[i*d:(i+1)*d], r[h+hd*d:h+(hd+1)*d])
			copy(vh[i*d:(i+1)*d], r[2*h+hd*d:2*h+(hd+1)*d])
		}
		kernel.MatMulTransB(scores, qh, kh, n, d, n)
		for i := range n {
			softmax(scores[i*n:(i+1)*n], scale)
		}
		kernel.MatMul(oh, scores, vh, n, n, d)
		for i := range n {
			copy(out[i*h+hd*d:i*h+(hd+1)*d], oh[i*d:(i+1)*d])
		}
	}
}

// softmax replaces row by softmax(scale·row). The exponentials come from
// exp2Table: math.Exp took a fifth of a forward pass on 50-token texts.
func softmax(row []float32, scale float32) {
	mx := float32(math.Inf(-1))
	for _, v := range row {
		mx = max(mx, v)
	}
	coef := exp2Table.coef
	last := len(coef) - 1
	var sum float64
	for i, v := range row {
		// e^x = 2^y with y = x·log₂e ≤ 0, split as 2^(n-126)·2^f with n
		// an integer and f in [0, 1). Below 2^-126 the term is dropped: it
		// is under float32's normal range and cannot move a sum that
		// holds a 1.
		y := float64((v-mx)*scale) * math.Log2E
		if !(y > -126) {
			row[i] = 0
			continue
		}
		t := y + 126
		n := int(t)
		pf := (t - float64(n)) * exp2Steps
		k := min(int(pf), last)
		u := float32(pf - float64(k))
		c := &coef[k]
		e := (((c[3]*u+c[2])*u+c[1])*u + c[0]) * math.Float32frombits(uint32(n+1)<<23)
		row[i] = e
		sum += float64(e)
	}
	kernel.Scale(float32(1/sum), row)
}

// exp2Steps is the number of intervals of exp2Table on [0, 1).
const exp2Steps = 64

// exp2Table holds 2^f on [0, 1) as cubics: Hermite interpolation with 64
// steps is exact to 1e-10, far below float32 rounding.
var exp2Table = newCubicTable(math.Exp2, func(f float64) float64 { return math.Ln2 * math.Exp2(f) }, 0, 1, exp2Steps)

// apply computes dst = src·Wᵀ + b for rows rows of src.
func (l *linear) apply(dst, src []float32, rows int) {
	kernel.MatMulTransB(dst[:rows*l.out], src[:rows*l.in], l.w, rows, l.in, l.out)
	for r := range rows {
		kernel.Axpy(1, l.b, dst[r*l.out:(r+1)*l.out])
	}
}

// addNorm sets x = LayerNorm(x + delta) row by row.
func addNorm(x, delta []float32, ln layerNorm, width int) {
	kernel.Axpy(1, delta[:len(x)], x)
	for r := 0; r < len(x); r += width {
		ln.apply(x[r : r+width])
	}
}

// apply normalises one row in place, with the statistics in float64.
func (ln layerNorm) apply(row []float32) {
	var sum float64
	for _, v := range row {
		sum += float64(v)
	}
	mean := sum / float64(len(row))
	var sq float64
	for _, v := range row {
		d := float64(v) - mean
		sq += d * d
	}
	inv := 1 / math.Sqrt(sq/float64(len(row))+float64(ln.eps))
	for i, v := range row {
		row[i] = float32((float64(v)-mean)*inv)*ln.gamma[i] + ln.beta[i]
	}
}
