package keyfile

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	key := bytes.Repeat([]byte{0xab}, Size)
	for _, tc := range []struct {
		name string
		text string
		ok   bool
	}{
		{"hex", hex.EncodeToString(key), true},
		{"hex with a newline", hex.EncodeToString(key) + "\n", true},
		{"base64", base64.StdEncoding.EncodeToString(key), true},
		{"base64 raw URL", base64.RawURLEncoding.EncodeToString(key), true},
		{"too short", hex.EncodeToString(key[:16]), false},
		{"too long", hex.EncodeToString(append(key, 1)), false},
		{"not a key", "correct horse battery staple", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.text))
			if (err == nil) != tc.ok {
				t.Fatalf("Parse(%q): %v", tc.text, err)
			}
			if tc.ok && !bytes.Equal(got, key) {
				t.Fatalf("Parse(%q) = %x", tc.text, got)
			}
		})
	}
}

func TestNewParsesBack(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New()
	if a == b {
		t.Fatal("two new keys are equal")
	}
	if k, err := Parse([]byte(a)); err != nil || len(k) != Size {
		t.Fatalf("Parse(New()) = %x, %v", k, err)
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	good, _ := New()
	for _, tc := range []struct {
		name    string
		content string
		mode    os.FileMode
		wantErr string
	}{
		{"owner only", good + "\n", 0o600, ""},
		{"readable by the group", good, 0o640, "chmod 600"},
		{"readable by all", good, 0o644, "chmod 600"},
		{"oversized", strings.Repeat("a", 2048), 0o600, "bytes"},
		{"garbage", "not a key", 0o600, "64 hex digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			if err := os.WriteFile(path, []byte(tc.content), tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil { // past the umask
				t.Fatal(err)
			}
			k, err := Read(path)
			if tc.wantErr == "" {
				if err != nil || len(k) != Size {
					t.Fatalf("Read: %x, %v", k, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Read: %v, want an error mentioning %q", err, tc.wantErr)
			}
		})
	}
	if _, err := Read(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Fatalf("missing file: %v", err)
	}
}

// FuzzParse: any text either fails or gives exactly Size bytes.
func FuzzParse(f *testing.F) {
	good, _ := New()
	f.Add([]byte(good))
	f.Add([]byte(" \n"))
	f.Add([]byte("q83vEjRWeJ=="))
	f.Fuzz(func(t *testing.T, text []byte) {
		k, err := Parse(text)
		if err == nil && len(k) != Size {
			t.Fatalf("Parse(%q) gave %d bytes", text, len(k))
		}
	})
}
