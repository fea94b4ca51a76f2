package httpapi

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"

	"github.com/driftrec/driftrec"
)

// embeddingsJSON is the body of POST /v1/embeddings, the OpenAI-compatible
// embeddings protocol. "model" is accepted whatever it says (clients must
// send one); the answer names the encoder actually used.
type embeddingsJSON struct {
	Input          json.RawMessage `json:"input"`
	Model          string          `json:"model"`
	EncodingFormat string          `json:"encoding_format"`
	Dimensions     int             `json:"dimensions"`
	User           string          `json:"user"`
}

type embeddingJSON struct {
	Object    string `json:"object"`
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"`
}

func (s *Server) postEmbeddings(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r.Body)
	if err != nil {
		return err
	}
	var req embeddingsJSON
	if err := decodeStrict(body, &req, ""); err != nil {
		return err
	}
	var texts []string
	var one string
	switch {
	case len(req.Input) == 0:
		return driftrec.FieldErrorf("input", "input is required: a string or an array of strings")
	case json.Unmarshal(req.Input, &one) == nil:
		texts = []string{one}
	case json.Unmarshal(req.Input, &texts) == nil:
	default:
		return driftrec.FieldErrorf("input", "input must be a string or an array of strings (token arrays are not supported)")
	}
	switch req.EncodingFormat {
	case "", "float", "base64":
	default:
		return driftrec.FieldErrorf("encoding_format", "encoding_format must be float or base64")
	}
	enc := s.eng.Encoder()
	if req.Dimensions != 0 && req.Dimensions != enc.Dim() {
		return driftrec.FieldErrorf("dimensions", "this encoder produces %d dimensions; it cannot produce %d", enc.Dim(), req.Dimensions)
	}
	vecs, err := s.eng.Embed(r.Context(), texts)
	if err != nil {
		return err
	}
	data := make([]embeddingJSON, len(vecs))
	for i, v := range vecs {
		data[i] = embeddingJSON{Object: "embedding", Index: i, Embedding: v}
		if req.EncodingFormat == "base64" {
			b := make([]byte, 4*len(v))
			for j, x := range v {
				binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(x))
			}
			data[i].Embedding = base64.StdEncoding.EncodeToString(b)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list", "data": data, "model": enc.ID(),
		// Token counts depend on the encoder's tokenizer; driftrec does not
		// meter usage, so both are reported as 0.
		"usage": map[string]int{"prompt_tokens": 0, "total_tokens": 0},
	})
	return nil
}
