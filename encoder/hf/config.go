package hf

import (
	"encoding/json"
	"fmt"
	"os"
)

// Config is the part of a Hugging Face config.json that defines a BERT-family
// encoder's shape.
type Config struct {
	ModelType             string  `json:"model_type"`
	HiddenSize            int     `json:"hidden_size"`
	NumAttentionHeads     int     `json:"num_attention_heads"`
	NumHiddenLayers       int     `json:"num_hidden_layers"`
	IntermediateSize      int     `json:"intermediate_size"`
	HiddenAct             string  `json:"hidden_act"`
	LayerNormEps          float64 `json:"layer_norm_eps"`
	MaxPositionEmbeddings int     `json:"max_position_embeddings"`
	VocabSize             int     `json:"vocab_size"`
	TypeVocabSize         int     `json:"type_vocab_size"`
	PadTokenID            *int    `json:"pad_token_id"`
	PositionEmbeddingType string  `json:"position_embedding_type"`
}

// Limits on a config's sizes. They are far above any BERT-family model
// (BERT-large is 1024 wide with 24 layers) and keep a corrupt config from
// asking for absurd allocations before the weights are checked against it.
const (
	maxWidth     = 1 << 16
	maxLayers    = 256
	maxPositions = 1 << 16
	maxVocab     = 1 << 24
)

func readConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	// Fields a config may leave out take the defaults of BertConfig.
	c := Config{HiddenAct: "gelu", LayerNormEps: 1e-12, TypeVocabSize: 2}
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// usesRoBERTaPositions reports whether position ids start after the padding
// id, as in RoBERTa and its descendants.
func (c Config) usesRoBERTaPositions() bool {
	switch c.ModelType {
	case "roberta", "xlm-roberta", "camembert":
		return true
	}
	return false
}

// paddingIdx is the padding token id (RoBERTa's position offset); 0 when
// the config names none.
func (c Config) paddingIdx() int {
	if c.PadTokenID != nil {
		return *c.PadTokenID
	}
	return 0
}

func (c Config) validate() error {
	switch c.ModelType {
	case "bert", "roberta", "xlm-roberta", "camembert":
	case "":
		return fmt.Errorf("no model_type")
	default:
		return fmt.Errorf("model_type %q is not a supported BERT-family encoder (bert, roberta, xlm-roberta, camembert)", c.ModelType)
	}
	if c.PositionEmbeddingType != "" && c.PositionEmbeddingType != "absolute" {
		return fmt.Errorf("position_embedding_type %q is not supported (only absolute)", c.PositionEmbeddingType)
	}
	if _, err := activation(c.HiddenAct); err != nil {
		return err
	}
	switch {
	case c.HiddenSize <= 0 || c.HiddenSize > maxWidth:
		return fmt.Errorf("hidden_size %d", c.HiddenSize)
	case c.NumAttentionHeads <= 0 || c.HiddenSize%c.NumAttentionHeads != 0:
		return fmt.Errorf("hidden_size %d is not a multiple of num_attention_heads %d", c.HiddenSize, c.NumAttentionHeads)
	case c.NumHiddenLayers <= 0 || c.NumHiddenLayers > maxLayers:
		return fmt.Errorf("num_hidden_layers %d", c.NumHiddenLayers)
	case c.IntermediateSize <= 0 || c.IntermediateSize > maxWidth:
		return fmt.Errorf("intermediate_size %d", c.IntermediateSize)
	case c.MaxPositionEmbeddings <= 0 || c.MaxPositionEmbeddings > maxPositions:
		return fmt.Errorf("max_position_embeddings %d", c.MaxPositionEmbeddings)
	case c.VocabSize <= 0 || c.VocabSize > maxVocab:
		return fmt.Errorf("vocab_size %d", c.VocabSize)
	case c.TypeVocabSize < 0 || c.TypeVocabSize > maxPositions:
		return fmt.Errorf("type_vocab_size %d", c.TypeVocabSize)
	case c.LayerNormEps < 0 || c.LayerNormEps > 1:
		return fmt.Errorf("layer_norm_eps %g", c.LayerNormEps)
	}
	if c.usesRoBERTaPositions() && c.paddingIdx()+2 > c.MaxPositionEmbeddings {
		return fmt.Errorf("pad_token_id %d leaves no positions in %d", c.paddingIdx(), c.MaxPositionEmbeddings)
	}
	return nil
}

// maxTokens is the longest sequence the position table allows.
func (c Config) maxTokens() int {
	if c.usesRoBERTaPositions() {
		return c.MaxPositionEmbeddings - c.paddingIdx() - 1
	}
	return c.MaxPositionEmbeddings
}
