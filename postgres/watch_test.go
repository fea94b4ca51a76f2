package postgres

import (
	"slices"
	"strings"
	"testing"
)

func TestNotices(t *testing.T) {
	long := func(n int, prefix string) []string {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = prefix + strings.Repeat("x", 200) + string(rune('a'+i%26))
		}
		return ids
	}
	tests := []struct {
		name        string
		ids         []string
		wantNotices int // -1: the rescan marker
	}{
		{"none", nil, 0},
		{"one", []string{"a"}, 1},
		{"several small", []string{"a", "b", "跑鞋"}, 1},
		{"one full notice", long(39, ""), 1}, // 39 × 202 − 1 = 7877 bytes
		{"two notices", long(40, ""), 2},     // 40 × 202 − 1 = 8079 bytes
		{"at the notice limit", long(16*39, ""), 16},
		{"past the notice limit", long(16*39+1, ""), -1},
		{"one maximal ID", []string{strings.Repeat("y", 256)}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := notices(tt.ids)
			if tt.wantNotices == -1 {
				if len(got) != 1 || got[0] != "" || parseNotice(got[0]) != nil {
					t.Fatalf("notices = %d payloads, want the rescan marker", len(got))
				}
				return
			}
			if len(got) != tt.wantNotices {
				t.Fatalf("notices = %d payloads, want %d", len(got), tt.wantNotices)
			}
			var back []string
			for _, p := range got {
				if len(p) > maxPayload || p == "" {
					t.Fatalf("payload of %d bytes", len(p))
				}
				back = append(back, parseNotice(p)...)
			}
			if !slices.Equal(back, tt.ids) {
				t.Fatalf("payloads carry %d IDs, want the %d sent", len(back), len(tt.ids))
			}
		})
	}
}
