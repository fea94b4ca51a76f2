package uselite

import (
	"strings"
	"testing"
)

func TestParseVocabulary(t *testing.T) {
	reserved := `["<unk>",0],["<s>",0],["</s>",0],["e1",0],["e2",0],["e3",0]`
	tests := []struct {
		name    string
		data    string
		want    []piece // the pieces after the reserved ones
		wantErr string
	}{
		{"scores and null", `[` + reserved + `,["▁a",-1.5],[":",null],["b", 3]]`,
			[]piece{{"▁a", -1.5}, {":", 0}, {"b", 3}}, ""},
		{"not an array", `{"a":1}`, nil, "not an array"},
		{"entry with three fields", `[` + reserved + `,["a",1,2]]`, nil, "3 fields"},
		{"text is a number", `[` + reserved + `,[1,1]]`, nil, "text"},
		{"score is a string", `[` + reserved + `,["a","1"]]`, nil, "score"},
		{"only reserved pieces", `[` + reserved + `]`, nil, "reserved"},
		{"trailing data", `[` + reserved + `,["a",1]] []`, nil, "after the array"},
		{"unterminated", `[` + reserved + `,["a",1]`, nil, "parse"},
		{"huge piece", `[` + reserved + `,["` + strings.Repeat("x", maxPieceBytes+1) + `",1]]`, nil, "exceeds"},
		{"non-finite score", `[` + reserved + `,["a",1e999]]`, nil, "score"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseVocabulary([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != reservedPieces+len(tt.want) {
				t.Fatalf("got %d pieces, want %d", len(got), reservedPieces+len(tt.want))
			}
			for i, p := range tt.want {
				if got[reservedPieces+i] != p {
					t.Errorf("piece %d = %+v, want %+v", reservedPieces+i, got[reservedPieces+i], p)
				}
			}
		})
	}
}

func FuzzParseVocabulary(f *testing.F) {
	f.Add([]byte(`[["�",0],["<s>",0],["</s>",0],["a",0],["b",0],["c",0],["▁the",-3.5],[":",null]]`))
	f.Add([]byte(`[[`))
	f.Add([]byte(`[["a",1],["b"],3]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pieces, err := parseVocabulary(data)
		if err != nil {
			return
		}
		if len(pieces) <= reservedPieces {
			t.Fatalf("accepted a vocabulary of %d pieces", len(pieces))
		}
		// Whatever it accepted must make a working tokenizer.
		tok := newTokenizer(pieces)
		for _, id := range tok.encode("the quick ▁brown 狐") {
			if id < 0 || int(id) >= len(pieces) {
				t.Fatalf("token id %d outside a vocabulary of %d", id, len(pieces))
			}
		}
	})
}
